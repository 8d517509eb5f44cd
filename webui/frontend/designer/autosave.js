/* Autosave: a few seconds after each change the diagram is PUT with the revision it was loaded or last
   saved at. The server answers the next revision, or 409 when another tab saved first; then saving
   stops (nothing is merged) and the page offers to reload. */

export function createAutosave({ api, url, modeler, revision, delay, onStatus, onConflict }) {
  let current = revision;
  let timer = null;
  let running = null;
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
      const { data } = await api.put(url, { bpmn_xml: xml, revision: current });
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
  async function save() {
    clearTimeout(timer);
    timer = null;
    while (running) {
      await running;
    }
    if (stopped) return false;
    if (!dirty) return true;
    running = attempt();
    try {
      return await running;
    } finally {
      running = null;
    }
  }

  /** Leaving the page: send what is unsaved with a keepalive request (the page may be gone before it answers). */
  function flush() {
    if (stopped || !dirty || !latestXml) return;
    api.put(url, { bpmn_xml: latestXml, revision: current }, { keepalive: true }).catch(() => {});
    dirty = false;
  }

  return {
    changed,
    save,
    flush,
    markDirty() {
      dirty = true;
    },
    isDirty: () => dirty || Boolean(running),
    get revision() {
      return current;
    },
  };
}
