// The Chorus playground: chat, compare, models and eval pages over this server's own OpenAI-compatible API.
// Plain modules, no dependencies, nothing loaded from elsewhere. The API key, when the server wants one, lives in
// this tab's sessionStorage only.
import { ChorusView, element } from '/ui/chorus-view.js';

const KEY_STORAGE = 'chorus.apiKey';
const FUSED_KINDS = new Set(['ensemble', 'contrastive', 'proxy']);
const POOLING = ['linear', 'log_linear', 'max'];
const $ = (selector) => document.querySelector(selector);

let models = [];
const conversation = [];
let running = null;
const view = new ChorusView($('#chorus-view'));

// ---- the API, with the key ----

function status(message = '') {
  $('#status').textContent = message;
}

let keyPrompt = null;

/** Asks for the key once however many requests were refused at the same time (compare mode sends several). */
function askForKey() {
  keyPrompt ??= new Promise((resolve) => {
    const dialog = $('#key-dialog');
    $('#key-input').value = sessionStorage.getItem(KEY_STORAGE) ?? '';
    dialog.addEventListener('close', () => {
      if (dialog.returnValue === 'save' && $('#key-input').value) {
        sessionStorage.setItem(KEY_STORAGE, $('#key-input').value);
      } else if (dialog.returnValue === 'forget') {
        sessionStorage.removeItem(KEY_STORAGE);
      }
      keyPrompt = null;
      resolve();
    }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
  return keyPrompt;
}

/** fetch with the bearer key; a 401 asks for the key once and retries. */
async function api(path, options = {}, retried = false) {
  const headers = { ...options.headers };
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) headers.Authorization = `Bearer ${key}`;
  if (options.body) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401 && !retried) {
    await askForKey();
    return api(path, options, true);
  }
  return response;
}

async function errorOf(response) {
  try {
    const body = await response.json();
    return body.error?.message ?? `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

/**
 * Streams one chat completion: `onChunk(chunk)` for every server-sent event's JSON; resolves when `[DONE]`
 * arrives, rejects on an error event or status.
 */
async function streamChat(body, onChunk, signal) {
  const response = await api('/v1/chat/completions', {
    method: 'POST', body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }), signal,
  });
  if (!response.ok) throw new Error(await errorOf(response));
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the stream ended early');
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const data = line.slice(6);
        if (data === '[DONE]') return;
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(chunk.error.message);
        onChunk(chunk);
      }
    }
  }
}

// ---- settings ----

function numberOf(id) {
  const value = $(id).value.trim();
  return value === '' ? undefined : Number(value);
}

function model(id) {
  return models.find((entry) => entry.id === id);
}

/** The sampling fields every request carries. */
function sampling() {
  const body = {
    temperature: numberOf('#temperature'),
    top_p: numberOf('#top-p'),
    top_k: numberOf('#top-k'),
    max_tokens: numberOf('#max-tokens'),
    seed: numberOf('#seed'),
  };
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

/** The `chorus` extension: fusion overrides for fused kinds, the trace for models and fused kinds. */
function extension(card) {
  const chorus = {};
  const kind = card.chorus.kind;
  if (FUSED_KINDS.has(kind)) {
    const method = $('#fusion-method')?.value;
    if (method && method !== card.chorus.method) chorus.method = method;
    const weights = [...document.querySelectorAll('.fusion-weight')];
    if (weights.some((input) => input.value.trim() !== '')) {
      chorus.weights = weights.map((input, m) => input.value.trim() === '' ? card.chorus.weights[m] : Number(input.value));
    }
    for (const name of ['lambda', 'alpha', 'strength']) {
      const input = document.getElementById(`fusion-${name}`);
      if (input && input.value.trim() !== '') chorus[name] = Number(input.value);
    }
  }
  if ($('#trace-on').checked && (kind === 'single' || FUSED_KINDS.has(kind))) chorus.trace = numberOf('#trace-k') ?? 5;
  return Object.keys(chorus).length ? { chorus } : {};
}

function labelled(text, input) {
  const label = element('label', {}, text + ' ');
  label.append(input);
  return label;
}

function numberInput(id, placeholder, attributes = {}) {
  return element('input', { id, type: 'number', step: 'any', placeholder, ...attributes });
}

/** The fusion controls for the chosen model's kind. */
function renderFusion() {
  const card = model($('#model').value);
  const fields = $('#fusion-fields');
  fields.replaceChildren();
  const kind = card?.chorus.kind;
  $('#fusion').hidden = !FUSED_KINDS.has(kind);
  $('#model-info').textContent = card ? describe(card) : '';
  if (!FUSED_KINDS.has(kind)) return;
  if (kind === 'ensemble') {
    const select = element('select', { id: 'fusion-method' });
    for (const method of POOLING) select.append(element('option', { value: method }, method));
    select.value = card.chorus.method;
    fields.append(labelled('method', select));
    card.chorus.members.forEach((member, m) => fields.append(labelled(`${member} weight`,
      numberInput(`fusion-weight-${m}`, String(card.chorus.weights[m]), { class: 'fusion-weight' }))));
  }
  if (kind === 'contrastive') {
    fields.append(labelled('\u03bb', numberInput('fusion-lambda', 'configured', { min: 0 })));
    fields.append(labelled('\u03b1', numberInput('fusion-alpha', 'configured', { min: 0, max: 1 })));
  }
  if (kind === 'proxy') fields.append(labelled('strength', numberInput('fusion-strength', 'configured')));
}

function describe(card) {
  const chorus = card.chorus;
  if (chorus.kind === 'single') return 'a single model';
  const weights = chorus.weights ? ` (${chorus.weights.join(', ')})` : '';
  return `${chorus.kind}${chorus.method ? ', ' + chorus.method : ''}: ${chorus.members.join(', ')}${weights}`;
}

// ---- chat ----

function addMessage(role, text) {
  const node = element('div', { class: `message ${role}` });
  node.append(element('span', { class: 'who' }, role === 'user' ? 'you' : $('#model').value));
  const body = element('span', { class: 'text' }, text);
  node.append(body);
  $('#messages').append(node);
  return node;
}

async function send(event) {
  event.preventDefault();
  const prompt = $('#prompt').value;
  const card = model($('#model').value);
  if (!prompt.trim() || !card || running) return;
  status();
  conversation.push({ role: 'user', content: prompt });
  addMessage('user', prompt);
  $('#prompt').value = '';
  const answer = addMessage('assistant', '');
  const text = answer.querySelector('.text');
  view.reset();
  running = new AbortController();
  $('#send').disabled = true;
  $('#stop').disabled = false;
  let content = '';
  try {
    await streamChat({ model: card.id, messages: conversation, ...sampling(), ...extension(card) }, (chunk) => {
      const choice = chunk.choices[0];
      if (!choice) return;
      content += choice.delta?.content ?? '';
      text.textContent = content;
      for (const step of choice.chorus?.trace ?? []) view.add(step);
    }, running.signal);
  } catch (error) {
    if (error.name !== 'AbortError') status(error.message);
  } finally {
    conversation.push({ role: 'assistant', content });
    answer.dataset.done = 'true';
    running = null;
    $('#send').disabled = false;
    $('#stop').disabled = true;
  }
}

// ---- compare ----

async function compare(event) {
  event.preventDefault();
  const prompt = $('#compare-prompt').value;
  const chosen = [...document.querySelectorAll('#compare-models input:checked')].map((input) => input.value);
  if (!prompt.trim() || chosen.length === 0) return;
  status();
  const columns = $('#compare-columns');
  columns.replaceChildren();
  $('#compare-run').disabled = true;
  await Promise.all(chosen.map((id) => compareOne(id, prompt, columns)));
  $('#compare-run').disabled = false;
}

async function compareOne(id, prompt, columns) {
  const column = element('div', { class: 'column', 'data-model': id });
  column.append(element('h3', {}, id));
  const answer = element('div', { class: 'answer' });
  const stats = element('div', { class: 'stats' }, 'waiting\u2026');
  column.append(answer, stats);
  columns.append(column);
  const started = performance.now();
  let first = null;
  let tokens = 0;
  try {
    await streamChat({ model: id, messages: [{ role: 'user', content: prompt }], ...sampling() }, (chunk) => {
      const text = chunk.choices[0]?.delta?.content;
      if (text) {
        first ??= performance.now();
        answer.textContent += text;
      }
      if (chunk.usage) tokens = chunk.usage.completion_tokens;
    });
    const ended = performance.now();
    const ttft = (first ?? ended) - started;
    // Tokens after the first, over the time after it: the decoding rate, apart from the prompt's prefill.
    const rate = tokens > 1 && first !== null ? (tokens - 1) / ((ended - first) / 1000) : NaN;
    stats.textContent = `${tokens} tokens \u00b7 first token ${ttft.toFixed(0)} ms \u00b7 `
      + (Number.isFinite(rate) ? `${rate.toFixed(1)} tokens/s` : 'rate n/a');
    Object.assign(column.dataset, { tokens, ttftMs: ttft.toFixed(1), tokensPerSecond: rate.toFixed(2), done: 'true' });
  } catch (error) {
    stats.textContent = error.message;
    column.dataset.done = 'error';
  }
}

// ---- models and eval ----

function renderModels() {
  const select = $('#model');
  select.replaceChildren();
  const checks = $('#compare-models');
  checks.replaceChildren();
  const rows = $('#models-table tbody');
  rows.replaceChildren();
  for (const card of models) {
    select.append(element('option', { value: card.id }, `${card.id} (${card.chorus.kind})`));
    const check = element('label');
    check.append(element('input', { type: 'checkbox', value: card.id }), ` ${card.id}`);
    checks.append(check);
    const row = element('tr', { 'data-model': card.id });
    const chorus = card.chorus;
    for (const cell of [card.id, chorus.kind, chorus.method ?? '', chorus.members.join(', '),
      (chorus.weights ?? []).join(', ')]) {
      row.append(element('td', {}, cell));
    }
    rows.append(row);
  }
  // The first fused collaboration is the most interesting to start with.
  select.value = (models.find((card) => card.chorus.kind === 'ensemble') ?? models[0])?.id ?? '';
  renderFusion();
}

async function loadModels() {
  const response = await api('/v1/models');
  if (!response.ok) {
    status(`Cannot list the models: ${await errorOf(response)}`);
    return;
  }
  models = (await response.json()).data;
  renderModels();
}

async function loadEval() {
  const target = $('#eval');
  const response = await api('/chorus/eval');
  if (response.status === 404) {
    target.replaceChildren(element('p', { class: 'muted' },
      'No evaluation results are configured: run `chorus eval --json \u2026 > results.json`, then '
      + '`chorus serve --eval-results results.json`.'));
    return;
  }
  if (!response.ok) {
    target.replaceChildren(element('p', {}, await errorOf(response)));
    return;
  }
  const results = await response.json();
  const table = element('table', { id: 'eval-table' });
  const head = element('tr');
  const columns = ['name', 'kind', 'perplexity', 'covered_perplexity', 'mean_nll', 'coverage', 'tokens',
    'tokens_per_second', 'fusion'];
  for (const column of columns) head.append(element('th', {}, column));
  table.append(head);
  for (const result of results.results ?? []) {
    const row = element('tr', { 'data-name': result.name });
    for (const column of columns) {
      const value = result[column];
      row.append(element('td', {}, typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(3)
        : value === null ? '\u221e' : String(value ?? '')));
    }
    table.append(row);
  }
  target.replaceChildren(element('p', { class: 'muted' },
    `${results.input ?? ''}: ${results.windows ?? '?'} windows of ${results.window ?? '?'} tokens`), table);
}

// ---- wiring ----

function showTab(name) {
  for (const button of document.querySelectorAll('nav button')) {
    button.setAttribute('aria-selected', String(button.dataset.tab === name));
  }
  for (const tab of document.querySelectorAll('.tab')) tab.hidden = tab.id !== `tab-${name}`;
  if (name === 'eval') loadEval();
}

for (const button of document.querySelectorAll('nav button')) {
  button.addEventListener('click', () => showTab(button.dataset.tab));
}
$('#key-button').addEventListener('click', async () => {
  await askForKey();
  loadModels();
});
$('#model').addEventListener('change', renderFusion);
$('#chat-form').addEventListener('submit', send);
$('#prompt').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) $('#chat-form').requestSubmit();
});
$('#stop').addEventListener('click', () => running?.abort());
$('#clear').addEventListener('click', () => {
  running?.abort();
  conversation.length = 0;
  $('#messages').replaceChildren();
  view.reset();
});
$('#compare-form').addEventListener('submit', compare);
view.reset();
loadModels();
