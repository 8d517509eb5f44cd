/* Autosave: a few seconds after each change the diagram is PUT with the revision it was loaded or last
   saved at. The server answers the next revision, or 409 when another tab saved first; then saving
   stops (nothing is merged) and the page offers to reload.

   Saves are chained: a save waits for the one in flight and sends the revision that one returned, so two
   saves never race with the same revision (the second would be refused as stale). */

// Chrome refuses a keepalive request whose body (with the others still in flight) passes 64 KB; leave room.
const KEEPALIVE_MAX_BYTES = 60 * 1024;

function fitsKeepalive(body) {
  return new TextEncoder().encode(JSON.stringify(body)).length < KEEPALIVE_MAX_BYTES;
}

export function createAutosave({ api, url, modeler, revision, delay, onStatus, onConflict }) {
  let current = revision;
  let timer = null;
  let queue = Promise.resolve(true); // the last save asked for; the next one starts when it has settled
  let pending = 0; // saves queued or in flight
  let dirty = false;
  let stopped = false;
  let latestXml = null; // kept fresh so leaving the page can still send it synchronously

  function refreshXml() {
    return modeler.saveXML({ format: true }).then(({ xml }) => {
      latestXml = xml;
      return xml;
    });
  }

  function changed() {
    if (stopped) return;
    dirty = true;
    onStatus('dirty');
    refreshXml().catch(() => {});
    clearTimeout(timer);
    timer = setTimeout(save, delay);
  }

  async function attempt() {
    dirty = false;
    onStatus('saving');
    try {
      const xml = await refreshXml();
      const body = { bpmn_xml: xml, revision: current };
      // keepalive when it fits: a save still on its way when the page is left then reaches the server anyway.
      const { data } = await api.put(url, body, { keepalive: fitsKeepalive(body) });
      current = data.revision;
      onStatus(dirty ? 'dirty' : 'saved', data);
      return true;
    } catch (error) {
      dirty = true;
      if (error.status === 409) {
        stopped = true;
        onStatus('conflict', error.body);
        onConflict(error.body || {});
      } else {
        onStatus('failed', error);
      }
      return false;
    }
  }

  /** Save now if anything changed; resolves true when the server holds what the canvas shows. */
  function save() {
    clearTimeout(timer);
    timer = null;
    pending += 1;
    const result = queue.then(() => {
      if (stopped) return false;
      return dirty ? attempt() : true;
    });
    queue = result
      .catch(() => false)
      .finally(() => {
        pending -= 1;
      });
    return result;
  }

  /** The page is going away: send what is unsaved with a keepalive request (the page may be gone before it
     answers) — only when no save is in flight (its answer, the revision to send, would never arrive) and the
     body is small enough for the browser to accept; otherwise the beforeunload prompt has warned already. */
  function flush() {
    if (stopped || !dirty || !latestXml || pending) return false;
    const body = { bpmn_xml: latestXml, revision: current };
    if (!fitsKeepalive(body)) return false;
    api.put(url, body, { keepalive: true }).catch(() => {});
    dirty = false;
    return true;
  }

  return {
    changed,
    save,
    flush,
    markDirty() {
      dirty = true;
    },
    /** Something the server does not hold yet: unsaved edits (also after a conflict), or a save on its way. */
    isDirty: () => dirty || pending > 0,
    get revision() {
      return current;
    },
  };
}
