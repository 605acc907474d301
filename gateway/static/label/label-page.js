// The L1G1 annotation page: a plain ES module, no framework and no build step.
// It talks only to the gateway's /v1/labeling routes with the API key the
// annotator typed (kept in sessionStorage: gone when the tab closes). The
// label being edited lives in `state.value` and is only cleared after the
// service accepted it, so an error never loses the annotator's work.
// A task with a model's pre-label starts from it (pre-filled): the annotator
// accepts it as it is (A) or corrects it, and the service, told
// `from_prelabel`, records which model version it came from and whether it
// was kept unchanged; so corrections count as much as acceptances.

const KEY_STORAGE = 'l1g1.apiKey';
const $ = (id) => document.getElementById(id);

const state = {
  key: sessionStorage.getItem(KEY_STORAGE) ?? '',
  project: null,
  task: null,
  shownAt: 0,
  // The value started from the task's pre-label (sent as `from_prelabel`).
  fromPrelabel: false,
  // A submit or skip is in flight: a second key press must not send the task twice.
  busy: false,
  // The label being edited: { labels: [] } | { spans: [] } | { boxes: [] } | { text: '' }
  value: null,
  // Entity/box type picked for the next span or box.
  currentLabel: '',
  progressAbort: null,
};

// --------------------------------------------------------------------- API

async function api(method, path, body) {
  const headers = { authorization: `Bearer ${state.key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new Error('The gateway cannot be reached; check your connection and try again.');
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const message = json?.error?.message ?? `${res.status} ${res.statusText}`;
    const err = new Error(message);
    err.status = res.status;
    throw err;
  }
  return json;
}

function showError(message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = false;
}

function clearError() {
  $('error').hidden = true;
  $('error').textContent = '';
}

// ----------------------------------------------------------------- sign in

async function signIn(key) {
  state.key = key;
  const list = await api('GET', '/v1/labeling/projects?page_size=1000');
  sessionStorage.setItem(KEY_STORAGE, key);
  $('signin').hidden = true;
  $('workspace').hidden = false;
  const select = $('project');
  select.replaceChildren(new Option('— pick a project —', ''));
  for (const p of list.projects) select.append(new Option(`${p.name} (${p.label_config.task_type})`, p.id));
}

function signOut() {
  sessionStorage.removeItem(KEY_STORAGE);
  state.key = '';
  stopProgress();
  $('workspace').hidden = true;
  $('signin').hidden = false;
  $('api-key').value = '';
}

// ---------------------------------------------------------------- projects

async function pickProject(id) {
  clearError();
  stopProgress();
  state.project = null;
  state.task = null;
  $('task').hidden = true;
  $('done').hidden = true;
  if (!id) return;
  state.project = await api('GET', `/v1/labeling/projects/${encodeURIComponent(id)}`);
  $('instructions').textContent = state.project.instructions;
  startProgress(id);
  await nextTask();
}

const taskType = () => state.project?.label_config.task_type ?? '';
const classNames = () => state.project.label_config.classes.map((c) => c.name);

// ---------------------------------------------------------------- progress

function renderProgress(p) {
  const parts = [`Completed ${p.completed_task_count} of ${p.task_count} tasks`, `${p.annotation_count} annotations`];
  if (p.agreement) parts.push(`agreement ${p.agreement.kappa.toFixed(3)} (${p.agreement.metric}, ${p.agreement.tasks_compared} tasks)`);
  else parts.push('agreement: not enough overlap yet');
  $('progress').textContent = parts.join(' · ');
}

function stopProgress() {
  state.progressAbort?.abort();
  state.progressAbort = null;
}

// EventSource cannot send an Authorization header, so the SSE stream is read
// through fetch; it reconnects after an error or the stream's maximum life.
async function startProgress(projectId) {
  const abort = new AbortController();
  state.progressAbort = abort;
  while (!abort.signal.aborted) {
    try {
      const res = await fetch(`/v1/labeling/projects/${encodeURIComponent(projectId)}/events`, {
        headers: { authorization: `Bearer ${state.key}`, accept: 'text/event-stream' },
        signal: abort.signal,
      });
      if (!res.ok || !res.body) throw new Error(`progress stream: ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let event = 'message';
          const data = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (event === 'progress' && data.length) renderProgress(JSON.parse(data.join('\n')));
        }
      }
    } catch {
      if (abort.signal.aborted) return;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

// ------------------------------------------------------------------- tasks

async function nextTask() {
  const r = await api('POST', `/v1/labeling/projects/${encodeURIComponent(state.project.id)}:next-task`, {});
  state.task = r.task;
  if (!r.task) {
    $('task').hidden = true;
    $('done').hidden = false;
    return;
  }
  $('done').hidden = true;
  state.shownAt = performance.now();
  const suggested = suggestion();
  state.fromPrelabel = suggested !== null;
  state.value = suggested ?? emptyValue();
  state.currentLabel = classNames()[0] ?? '';
  renderTask();
}

// The task's pre-label as an editable value (copies: editing never changes
// the prediction, so Accept can still go back to it), or null without one
// or when it is not of this project's kind.
function suggestion() {
  const v = state.task?.prediction?.value;
  if (!v) return null;
  const type = taskType();
  if (v.classification && (type === 'classification' || type === 'multi_label_classification')) return { labels: [...v.classification.labels] };
  if (v.ner && type === 'ner') return { spans: v.ner.spans.map((s) => ({ ...s })) };
  if (v.bbox && type === 'bbox') return { boxes: v.bbox.boxes.map((b) => ({ ...b })) };
  if (v.free_text && type === 'free_text') return { text: v.free_text.text };
  return null;
}

function emptyValue() {
  switch (taskType()) {
    case 'ner':
      return { spans: [] };
    case 'bbox':
      return { boxes: [] };
    case 'free_text':
      return { text: '' };
    default:
      return { labels: [] };
  }
}

function renderTask() {
  const t = state.task;
  const type = taskType();
  $('task').hidden = false;
  $('task-meta').textContent = `Task ${t.id} · record ${t.record?.id ?? ''} · ${t.annotation_count} of ${t.annotations_required} annotations`;
  const isImage = type === 'bbox';
  $('text').hidden = isImage;
  $('stage').hidden = !isImage;
  $('answer').hidden = type !== 'free_text';
  $('answer-label').hidden = type !== 'free_text';
  $('spans').hidden = $('spans-heading').hidden = type !== 'ner';
  $('boxes').hidden = $('boxes-heading').hidden = type !== 'bbox';
  if (isImage) {
    const rec = t.record ?? {};
    $('image').src = rec.data_base64 !== undefined ? `data:${rec.content_type || 'image/png'};base64,${rec.data_base64}` : '';
  }
  if (type === 'free_text') $('answer').value = state.value.text;
  const pre = t.prediction;
  $('prelabel').hidden = !state.fromPrelabel;
  if (state.fromPrelabel) {
    const model = pre.model ? `${pre.model.name}${pre.model.version ? ` v${pre.model.version}` : ''}` : 'a model';
    // An imported label (ImportTasks' label_field) has no model: say where it came from instead.
    const origin = pre.source === 'import' ? 'Imported with the task' : `Suggested by ${model} (score ${Number(pre.score).toFixed(2)})`;
    $('prelabel-text').textContent = `${origin}: ${describeValue(pre.value)}. Pre-filled below: accept it or correct it.`;
  }
  renderClasses();
  renderValue();
}


function describeValue(v) {
  if (v.classification) return v.classification.labels.join(', ');
  // A tagger's pre-label may find no entity at all: say so rather than print nothing.
  if (v.ner) return v.ner.spans.length === 0 ? 'no entities' : v.ner.spans.map((s) => `${s.label} "${s.text}"`).join(', ');
  if (v.bbox) return `${v.bbox.boxes.length} boxes`;
  if (v.free_text) return v.free_text.text;
  return '';
}

// The buttons: the classes for classification, the entity or box type otherwise.
function renderClasses() {
  const box = $('classes');
  const type = taskType();
  box.hidden = type === 'free_text';
  box.setAttribute('aria-label', type === 'ner' ? 'Entity type' : type === 'bbox' ? 'Box label' : 'Labels');
  box.replaceChildren(
    ...classNames().map((name, i) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = i < 9 ? `${i + 1} ${name}` : name;
      b.setAttribute('aria-label', name);
      b.dataset.name = name;
      b.addEventListener('click', () => pickClass(name));
      return b;
    }),
  );
  syncPressed();
}

function syncPressed() {
  const type = taskType();
  for (const b of $('classes').querySelectorAll('button')) {
    const on = type === 'classification' || type === 'multi_label_classification' ? state.value.labels.includes(b.dataset.name) : state.currentLabel === b.dataset.name;
    b.setAttribute('aria-pressed', String(on));
  }
}

function pickClass(name) {
  const type = taskType();
  if (type === 'classification') state.value.labels = [name];
  else if (type === 'multi_label_classification') {
    const i = state.value.labels.indexOf(name);
    if (i >= 0) state.value.labels.splice(i, 1);
    else state.value.labels.push(name);
  } else state.currentLabel = name;
  syncPressed();
}

// ------------------------------------------------------------------- spans

function taskText() {
  return state.task?.record?.text ?? '';
}

function colorOf(label) {
  return state.project.label_config.classes.find((c) => c.name === label)?.color || '#ffe082';
}

function renderValue() {
  const type = taskType();
  if (type === 'ner') renderSpans();
  else if (type === 'bbox') renderBoxes();
  else if (type !== 'free_text') $('text').textContent = taskText();
  syncPressed();
}

function renderSpans() {
  const text = taskText();
  const spans = [...state.value.spans].sort((a, b) => a.start - b.start);
  const parts = [];
  let at = 0;
  for (const s of spans) {
    if (s.start > at) parts.push(document.createTextNode(text.slice(at, s.start)));
    const m = document.createElement('mark');
    m.textContent = text.slice(s.start, s.end);
    m.dataset.label = s.label;
    m.style.background = colorOf(s.label);
    parts.push(m);
    at = s.end;
  }
  if (at < text.length) parts.push(document.createTextNode(text.slice(at)));
  $('text').replaceChildren(...parts);
  $('spans').replaceChildren(
    ...spans.map((s) => {
      const li = document.createElement('li');
      li.textContent = `${s.label} "${text.slice(s.start, s.end)}" [${s.start}, ${s.end}) `;
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = 'Remove';
      b.setAttribute('aria-label', `Remove span ${s.label} ${text.slice(s.start, s.end)}`);
      b.addEventListener('click', () => {
        state.value.spans = state.value.spans.filter((x) => x !== s);
        renderSpans();
      });
      li.append(b);
      return li;
    }),
  );
}

// UTF-16 offset of (node, offset) inside the text container: the length of
// the text before it. Browsers and the service count the same units.
function offsetIn(container, node, offset) {
  const r = document.createRange();
  r.setStart(container, 0);
  r.setEnd(node, offset);
  return r.toString().length;
}

function onTextSelected() {
  if (taskType() !== 'ner') return;
  const sel = window.getSelection();
  if (!sel || sel.isCollapsed || sel.rangeCount === 0) return;
  const range = sel.getRangeAt(0);
  const container = $('text');
  if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) return;
  let start = offsetIn(container, range.startContainer, range.startOffset);
  let end = offsetIn(container, range.endContainer, range.endOffset);
  const text = taskText();
  // A drag usually catches a space at an edge; the entity is the words.
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  sel.removeAllRanges();
  if (end <= start) return;
  if (!state.currentLabel) {
    showError('Pick an entity type before selecting text.');
    return;
  }
  const clash = state.value.spans.find((s) => s.start < end && start < s.end);
  if (clash) {
    showError(`That selection overlaps the span ${clash.label} "${text.slice(clash.start, clash.end)}"; remove it first.`);
    return;
  }
  clearError();
  state.value.spans.push({ start, end, label: state.currentLabel, text: text.slice(start, end) });
  renderSpans();
}

// ------------------------------------------------------------------- boxes

function imageSize() {
  const img = $('image');
  return { width: state.task?.image_width || img.naturalWidth, height: state.task?.image_height || img.naturalHeight };
}

function renderBoxes() {
  const layer = $('boxes-layer');
  const size = imageSize();
  layer.replaceChildren(
    ...state.value.boxes.map((b) => {
      const d = document.createElement('div');
      d.style.left = `${b.x * 100}%`;
      d.style.top = `${b.y * 100}%`;
      d.style.width = `${b.width * 100}%`;
      d.style.height = `${b.height * 100}%`;
      d.style.borderColor = colorOf(b.label);
      return d;
    }),
  );
  const px = (f, n) => Math.round(f * n);
  $('boxes').replaceChildren(
    ...state.value.boxes.map((b, i) => {
      const li = document.createElement('li');
      li.textContent = `${b.label} at (${px(b.x, size.width)}, ${px(b.y, size.height)}) size ${px(b.width, size.width)}×${px(b.height, size.height)} px `;
      const rm = document.createElement('button');
      rm.type = 'button';
      rm.textContent = 'Remove';
      rm.setAttribute('aria-label', `Remove box ${i + 1} ${b.label}`);
      rm.addEventListener('click', () => {
        state.value.boxes = state.value.boxes.filter((x) => x !== b);
        renderBoxes();
      });
      li.append(rm);
      return li;
    }),
  );
}

const clamp01 = (v) => Math.min(1, Math.max(0, v));
let drag = null;

function pointIn(e) {
  const rect = $('image').getBoundingClientRect();
  return { x: clamp01((e.clientX - rect.left) / rect.width), y: clamp01((e.clientY - rect.top) / rect.height) };
}

function onStageDown(e) {
  if (taskType() !== 'bbox' || e.button !== 0) return;
  e.preventDefault();
  drag = { from: pointIn(e), preview: document.createElement('div') };
  $('boxes-layer').append(drag.preview);
}

function boxOf(a, b) {
  return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), width: Math.abs(a.x - b.x), height: Math.abs(a.y - b.y) };
}

function onStageMove(e) {
  if (!drag) return;
  const b = boxOf(drag.from, pointIn(e));
  Object.assign(drag.preview.style, { left: `${b.x * 100}%`, top: `${b.y * 100}%`, width: `${b.width * 100}%`, height: `${b.height * 100}%` });
}

function onStageUp(e) {
  if (!drag) return;
  const b = boxOf(drag.from, pointIn(e));
  drag = null;
  // A click is not a box: at least two pixels each way.
  const size = imageSize();
  if (b.width * size.width < 2 || b.height * size.height < 2) {
    renderBoxes();
    return;
  }
  if (!state.currentLabel) {
    renderBoxes();
    showError('Pick a box label before drawing.');
    return;
  }
  clearError();
  state.value.boxes.push({ label: state.currentLabel, ...b });
  renderBoxes();
}

// ------------------------------------------------------------------ submit

function valueForApi() {
  switch (taskType()) {
    case 'ner':
      return { ner: { spans: state.value.spans.map(({ start, end, label, text }) => ({ start, end, label, text })) } };
    case 'bbox':
      return { bbox: { boxes: state.value.boxes.map(({ label, x, y, width, height }) => ({ label, x, y, width, height })) } };
    case 'free_text':
      return { free_text: { text: $('answer').value } };
    default:
      return { classification: { labels: [...state.value.labels] } };
  }
}

// One action (click or A): the suggestion exactly as the model gave it,
// submitted; whatever was edited since is dropped.
async function acceptPrelabel() {
  const suggested = suggestion();
  if (!suggested || state.busy) return;
  state.value = suggested;
  if (taskType() === 'free_text') $('answer').value = suggested.text;
  renderValue();
  await submit();
}

// Submit and skip send the task once, then show the next one.
async function sendOnce(send) {
  if (!state.task || state.busy) return;
  clearError();
  state.busy = true;
  try {
    await send(state.task.id, Math.round(performance.now() - state.shownAt));
    // Still busy until the next task shows: a key pressed meanwhile must not reach the sent one.
    await nextTask();
  } finally {
    state.busy = false;
  }
}

function submit() {
  return sendOnce((id, leadTimeMs) =>
    api('POST', `/v1/labeling/tasks/${encodeURIComponent(id)}/annotations`, { value: valueForApi(), lead_time_ms: leadTimeMs, from_prelabel: state.fromPrelabel }),
  );
}

function skip() {
  return sendOnce((id, leadTimeMs) => api('POST', `/v1/labeling/tasks/${encodeURIComponent(id)}:skip`, { lead_time_ms: leadTimeMs }));
}

// ------------------------------------------------------------------ wiring

// Every action reports its failure in the page; the edited label stays as it was.
const guard = (fn) => (...args) => {
  Promise.resolve()
    .then(() => fn(...args))
    .catch((err) => showError(err.message));
};

function onKey(e) {
  if ($('task').hidden) return;
  const target = e.target;
  const typing = target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement || target instanceof HTMLSelectElement;
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    guard(submit)();
    return;
  }
  if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
  if ((e.key === 'a' || e.key === 'A') && !$('prelabel').hidden) {
    e.preventDefault();
    guard(acceptPrelabel)();
    return;
  }
  if (/^[1-9]$/.test(e.key)) {
    const name = classNames()[Number(e.key) - 1];
    if (name !== undefined) {
      e.preventDefault();
      pickClass(name);
    }
  }
}

function init() {
  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    clearError();
    guard(signIn)($('api-key').value.trim());
  });
  $('signout').addEventListener('click', signOut);
  $('project').addEventListener('change', (e) => guard(pickProject)(e.target.value));
  $('submit').addEventListener('click', guard(submit));
  $('skip').addEventListener('click', guard(skip));
  $('accept-prelabel').addEventListener('click', guard(acceptPrelabel));
  $('text').addEventListener('mouseup', onTextSelected);
  $('text').addEventListener('keyup', (e) => {
    if (e.shiftKey) onTextSelected();
  });
  $('answer').addEventListener('input', () => {
    if (state.value && 'text' in state.value) state.value.text = $('answer').value;
  });
  const stage = $('stage');
  stage.addEventListener('mousedown', onStageDown);
  window.addEventListener('mousemove', onStageMove);
  window.addEventListener('mouseup', onStageUp);
  document.addEventListener('keydown', onKey);
  if (state.key) guard(signIn)(state.key);
}

init();
