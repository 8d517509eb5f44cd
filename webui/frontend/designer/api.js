/* The designer REST API (/api/designer/…), called with the session cookie and the CSRF token. */

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export function createApi(csrfToken) {
  async function request(method, url, { json, form, keepalive } = {}) {
    const headers = { Accept: 'application/json' };
    let body;
    if (method !== 'GET') {
      headers['X-CSRFToken'] = csrfToken;
    }
    if (json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(json);
    } else if (form) {
      body = form;
    }
    const response = await fetch(url, { method, headers, body, credentials: 'same-origin', keepalive: Boolean(keepalive) });
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (error) {
        data = { detail: text.slice(0, 200) };
      }
    }
    if (!response.ok) {
      throw new ApiError(response.status, data);
    }
    return { status: response.status, data };
  }

  return {
    get: (url) => request('GET', url).then((result) => result.data),
    post: (url, json) => request('POST', url, { json }),
    put: (url, json, options = {}) => request('PUT', url, { json, ...options }),
    upload: (url, form) => request('POST', url, { form }),
  };
}
