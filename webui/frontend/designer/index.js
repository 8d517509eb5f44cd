/* 流程设计 — the modeler page: loads the draft, the role/department/handler/form lists for the properties
   panel, and wires the toolbar (保存 / 校验 / 部署 / 下载 / 上传), autosave and the problems list.

   Everything the page says comes from the json_script block "designer-config" rendered by Django
   (translated there); the bpmn-js labels come from ./translate. */

import './style.css';

import { createApi } from './api';
import { createAutosave } from './autosave';
import { createModeler } from './editor';
import { createProblems } from './problems';
import { format } from './provider/util';

const AUTOSAVE_DELAY_MS = 2500;

function readConfig() {
  const node = document.getElementById('designer-config');
  return node ? JSON.parse(node.textContent) : null;
}

function clock(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function processKey(modeler) {
  const definitions = modeler.getDefinitions();
  const process = definitions && definitions.get('rootElements').find((root) => root.$type === 'bpmn:Process');
  return process ? process.id : 'process';
}

class DesignerPage {
  constructor(root, config) {
    this.root = root;
    this.config = config;
    this.strings = config.strings;
    this.api = createApi(config.csrfToken);
    this.status = root.querySelector('[data-save-status]');
    this.notice = root.querySelector('[data-notice]');
    this.dialog = root.querySelector('#tb-deploy-dialog');
    this.uploadDialog = root.querySelector('#tb-upload-dialog');
    this.leaving = false; // set when the page reloads on purpose (after a conflict): no "leave?" prompt
  }

  reload() {
    this.leaving = true;
    window.location.reload();
  }

  say(text, { state = 'info', link = null, action = null } = {}) {
    const parts = [document.createTextNode(text)];
    if (link) {
      const a = document.createElement('a');
      a.href = link.href;
      a.textContent = link.text;
      a.dataset.turbo = 'false';
      if (link.newTab) {
        a.target = '_blank';
        a.rel = 'noopener';
      }
      parts.push(document.createTextNode(' '), a);
    }
    if (action) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'mdc-button mdc-button--outlined';
      button.textContent = action.text;
      button.addEventListener('click', () => {
        Promise.resolve()
          .then(action.run)
          .catch((error) => this.say(format(this.strings.requestFailed, { error: error.message }), { state: 'error' }));
      });
      parts.push(document.createTextNode(' '), button);
    }
    this.notice.replaceChildren(...parts);
    this.notice.dataset.state = state;
    this.notice.hidden = false;
  }

  setStatus(state, data) {
    const s = this.strings;
    const text = {
      saved: format(s.saved, { time: clock(data && data.updated_at ? new Date(data.updated_at) : new Date()) }),
      saving: s.saving,
      dirty: s.dirty,
      failed: s.saveFailed,
      conflict: s.conflictStatus,
    }[state];
    this.status.textContent = text;
    this.status.dataset.saveState = state;
  }

  /** The draft, and the lists the properties panel picks from; a list that fails to load is left empty. */
  async loadLists() {
    const { urls } = this.config;
    const names = ['roles', 'departments', 'handlers', 'forms'];
    const ownDraft = this.config.draft && this.config.draft.bpmn_xml ? Promise.resolve(this.config.draft) : this.api.get(urls.draft);
    const [draft, ...lists] = await Promise.allSettled([ownDraft, ...names.map((name) => this.api.get(urls[name]))]);
    if (draft.status !== 'fulfilled') {
      throw draft.reason;
    }
    names.forEach((name, index) => {
      this.config[name] = lists[index].status === 'fulfilled' ? lists[index].value || [] : [];
    });
    if (lists.some((item) => item.status !== 'fulfilled')) {
      this.say(this.strings.listsFailed, { state: 'error' });
    }
    return draft.value;
  }

  async start() {
    let draft;
    try {
      draft = await this.loadLists();
    } catch (error) {
      this.fail(error);
      return;
    }
    this.modeler = createModeler({
      canvas: this.root.querySelector('#tb-designer-canvas'),
      properties: this.root.querySelector('#tb-designer-properties'),
      config: this.config,
    });
    this.problems = createProblems({
      list: this.root.querySelector('#tb-designer-problems'),
      summary: this.root.querySelector('[data-problems-summary]'),
      modeler: this.modeler,
      strings: this.strings,
    });
    try {
      await this.importXml(draft.bpmn_xml);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.autosave = createAutosave({
      api: this.api,
      url: this.config.urls.draft,
      modeler: this.modeler,
      revision: draft.revision,
      delay: AUTOSAVE_DELAY_MS,
      onStatus: (state, data) => this.setStatus(state, data),
      onConflict: (body) => this.conflict(body),
    });
    this.setStatus('saved', draft);
    this.modeler.on('commandStack.changed', () => this.autosave.changed());
    this.wire();
    this.root.dataset.state = 'ready';
  }

  async importXml(xml) {
    const { warnings } = await this.modeler.importXML(xml);
    this.fit();
    if (warnings && warnings.length) {
      const shown = warnings.map((warning) => ({ element_id: '', message: String(warning.message).split('\n')[0] }));
      this.problems.show({ warnings: shown }, format(this.strings.importWarnings, { count: warnings.length }));
    } else {
      this.problems.clear();
    }
  }

  /** The whole diagram in view beside the palette, never enlarged past 100 %. */
  fit() {
    const canvas = this.modeler.get('canvas');
    const { inner, outer } = canvas.viewbox();
    const palette = this.root.querySelector('.djs-palette');
    const left = (palette ? palette.offsetLeft + palette.offsetWidth : 0) + 24;
    const margin = 24;
    if (!inner.width || !outer.width) return;
    const scale = Math.min((outer.width - left - margin) / inner.width, (outer.height - 2 * margin) / inner.height, 1);
    canvas.viewbox({
      x: inner.x - left / scale,
      y: inner.y - (outer.height / scale - inner.height) / 2,
      width: outer.width / scale,
      height: outer.height / scale,
    });
  }

  fail(error) {
    this.root.dataset.state = 'error';
    this.say(format(this.strings.loadFailed, { error: error && error.message ? error.message : String(error) }), {
      state: 'error',
    });
    if (window.console) window.console.error(error);
  }

  conflict(body) {
    this.say(format(this.strings.conflict, { revision: body.revision || '?' }), {
      state: 'error',
      action: { text: this.strings.reload, run: () => this.reload() },
    });
  }

  wire() {
    const on = (action, handler) => {
      this.root.querySelectorAll(`[data-action="${action}"]`).forEach((node) => {
        node.addEventListener(node.tagName === 'INPUT' ? 'change' : 'click', (event) => {
          handler(event).catch((error) => this.say(format(this.strings.requestFailed, { error: error.message }), { state: 'error' }));
        });
      });
    };
    on('save', () => this.autosave.save());
    on('validate', () => this.validate());
    on('deploy', () => this.deploy());
    on('download', () => this.download());
    on('upload', (event) => this.upload(event.target));
    this.dialog.addEventListener('close', () => {
      if (this.dialog.returnValue === 'deploy') {
        this.confirmDeploy().catch((error) => this.say(format(this.strings.requestFailed, { error: error.message }), { state: 'error' }));
      }
    });
    document.addEventListener('keydown', (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key === 's') {
        event.preventDefault();
        this.autosave.save();
      }
    });
    this.wireLeave();
  }

  /** Leaving with edits the server does not hold yet: the browser asks first (a keepalive request cannot
     carry a large diagram, and one sent while a save is in flight would carry a stale revision); if the
     person leaves anyway, what fits in a keepalive request is still sent. */
  wireLeave() {
    window.addEventListener('beforeunload', (event) => {
      if (this.leaving || !this.autosave.isDirty()) return;
      event.preventDefault();
      event.returnValue = ''; // older Chromium asks only when returnValue is set
    });
    window.addEventListener('pagehide', () => {
      if (!this.leaving) this.autosave.flush();
    });
    // A Turbo visit replaces the page without beforeunload: make it a full navigation so the browser asks.
    document.addEventListener('turbo:before-visit', (event) => {
      if (this.leaving || !this.autosave.isDirty()) return;
      event.preventDefault();
      window.location.assign(event.detail.url);
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.autosave.save();
    });
  }

  /** Save what is unsaved, then run the server's validator (the one deploy uses) on the stored draft. */
  async validate() {
    this.problems.message(this.strings.validating, 'busy');
    if (!(await this.autosave.save())) {
      this.problems.message(this.strings.saveFirst, 'invalid');
      return null;
    }
    const { data } = await this.api.post(this.config.urls.validate, {});
    this.problems.show(data);
    return data;
  }

  async deploy() {
    const result = await this.validate();
    if (!result) return;
    if (!result.ok) {
      this.problems.show(result, format(this.strings.deployInvalid, { count: result.errors.length }));
      this.say(format(this.strings.deployInvalid, { count: result.errors.length }), { state: 'error' });
      return;
    }
    this.dialog.returnValue = '';
    this.dialog.showModal();
  }

  confirmDeploy() {
    const note = this.dialog.querySelector('textarea[name="note"]').value.trim();
    return this.sendDeploy(note, false);
  }

  /** Deploy the draft at the revision this page saved last (after any save in flight has answered), so the
     server deploys what the canvas shows or refuses (409). */
  async sendDeploy(note, confirmOutdated) {
    this.say(this.strings.deploying, { state: 'busy' });
    if (!(await this.autosave.save())) {
      if (this.status.dataset.saveState !== 'conflict') this.say(this.strings.deploySaveFailed, { state: 'error' });
      return;
    }
    const body = { note, revision: this.autosave.revision };
    if (confirmOutdated) body.confirm_outdated = true;
    let response;
    try {
      response = await this.api.post(this.config.urls.deploy, body);
    } catch (error) {
      if (error.status === 400 && error.body && error.body.errors) {
        const count = error.body.errors.length;
        this.problems.show({ errors: error.body.errors, warnings: [] }, format(this.strings.deployInvalid, { count }));
        this.say(format(this.strings.deployInvalid, { count }), { state: 'error' });
        return;
      }
      if (error.status === 409) {
        this.deployRefused(error.body || {}, note);
        return;
      }
      throw error;
    }
    const { data } = response;
    const href = this.config.urls.versions.replace('__KEY__', encodeURIComponent(data.key));
    const link = this.config.canSeeVersions ? { href, text: this.strings.viewVersions } : null;
    const text = data.created === false ? this.strings.unchanged : this.strings.deployed;
    this.say(format(text, { version: data.version, key: data.key }), { state: 'ok', link });
    this.dialog.querySelector('textarea[name="note"]').value = '';
  }

  /** 409 on deploy: either the draft's base is no longer the latest version (show the diff, offer 仍然部署),
     or the stored draft is at another revision than this page saved (it was saved elsewhere: reload). */
  deployRefused(body, note) {
    const s = this.strings;
    if (body.latest_version !== undefined && body.latest_version !== null) {
      const text = format(s.deployOutdated, { base: body.base_version ?? '?', latest: body.latest_version });
      this.say(text, {
        state: 'error',
        link: body.diff_url ? { href: body.diff_url, text: s.viewDiff, newTab: true } : null,
        action: {
          text: s.deployAnyway,
          run: () => this.sendDeploy(note, true),
        },
      });
      return;
    }
    this.say(format(s.deployStale, { revision: body.revision ?? '?' }), {
      state: 'error',
      action: { text: s.reload, run: () => this.reload() },
    });
  }

  async download() {
    const { xml } = await this.modeler.saveXML({ format: true });
    const url = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${processKey(this.modeler)}.bpmn`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  /** 上传: after the designer confirms, replace the canvas with a .bpmn file (e.g. exported by Camunda
     Modeler 5) and save it; the diagram it replaced is kept in the page so 撤销上传 can put it back. */
  async upload(input) {
    const file = input.files && input.files[0];
    input.value = '';
    if (!file) return;
    if (!(await this.askUpload(file.name))) return;
    const text = await file.text();
    const { xml: previous } = await this.modeler.saveXML({ format: true });
    try {
      await this.importXml(text);
    } catch (error) {
      this.say(format(this.strings.uploadFailed, { name: file.name, error: error.message }), { state: 'error' });
      await this.importXml(previous).catch(() => {});
      return;
    }
    this.autosave.markDirty();
    if (await this.autosave.save()) {
      this.say(format(this.strings.uploaded, { name: file.name }), {
        state: 'ok',
        action: { text: this.strings.undoUpload, run: () => this.undoUpload(previous) },
      });
    }
  }

  askUpload(name) {
    const dialog = this.uploadDialog;
    dialog.querySelector('[data-upload-name]').textContent = name;
    dialog.returnValue = '';
    return new Promise((resolve) => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'replace'), { once: true });
      dialog.showModal();
    });
  }

  async undoUpload(previous) {
    this.notice.hidden = true;
    await this.importXml(previous);
    this.autosave.markDirty();
    if (await this.autosave.save()) {
      this.say(this.strings.uploadUndone, { state: 'ok' });
    }
  }
}

function boot() {
  const root = document.getElementById('tb-designer');
  const config = readConfig();
  if (!root || !config || root.dataset.state !== 'loading') return;
  root.dataset.state = 'starting';
  new DesignerPage(root, config).start();
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', boot);
} else {
  boot();
}
document.addEventListener('turbo:load', boot);
