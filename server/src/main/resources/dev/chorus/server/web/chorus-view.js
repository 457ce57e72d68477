// The chorus view: one row per generated token from the `chorus.trace` extension of the API, showing the fused
// distribution's top tokens and each member's own top tokens and probability of the chosen one. A token is coloured
// by the member that gave it the highest probability (its "winner"); hovering a token or a row shows its step.

const MEMBER_COLOURS = 6;

export function memberColour(index) {
  return `var(--m${index % MEMBER_COLOURS})`;
}

/** The member index with the highest log-probability of the chosen token (the first on a tie). */
export function winner(step) {
  let best = 0;
  step.members.forEach((member, index) => {
    if (member.logprob > step.members[best].logprob) best = index;
  });
  return best;
}

/** A token's text with its whitespace visible, for tables and bars. */
export function visible(text) {
  return text.replace(/\n/g, '\u21b5').replace(/\t/g, '\u21e5').replace(/ /g, '\u00b7') || '\u2205';
}

function percent(logprob) {
  return (100 * Math.exp(logprob)).toFixed(1) + '%';
}

export function element(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    // Styles go through the CSSOM, which the page's content security policy allows (a style attribute it would not).
    if (name === 'style') for (const [property, setting] of Object.entries(value)) node.style.setProperty(property, setting);
    else node.setAttribute(name, value);
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

export class ChorusView {
  constructor(root) {
    this.root = root;
    this.legend = root.querySelector('#legend');
    this.tokens = root.querySelector('#tokens');
    this.detail = root.querySelector('#detail');
    this.head = root.querySelector('#trace-table thead');
    this.body = root.querySelector('#trace-table tbody');
    this.steps = [];
  }

  /** Starts a new answer; the members come from the first step. */
  reset() {
    this.steps = [];
    this.members = null;
    this.legend.replaceChildren();
    this.tokens.replaceChildren();
    this.head.replaceChildren();
    this.body.replaceChildren();
    this.detail.replaceChildren(document.createTextNode(
      'Hover a token to see the fused top tokens and each member\u2019s.'));
    this.root.hidden = true;
  }

  add(step) {
    if (!this.members) this.start(step.members.map((member) => member.model));
    const index = this.steps.length;
    this.steps.push(step);
    const win = winner(step);
    const colour = memberColour(win);
    const fusedLogprob = step.logprob;
    const span = element('span', {
      class: 'tok', 'data-step': index,
      style: { '--c': colour, '--p': Math.exp(fusedLogprob).toFixed(3) },
      title: `${this.members[win]} ${percent(step.members[win].logprob)}, fused ${percent(fusedLogprob)}`,
    }, step.text);
    this.tokens.append(span);

    const row = element('tr', { 'data-step': index, 'data-token': step.token });
    row.append(element('td', { class: 'num' }, String(index + 1)));
    row.append(element('td', { class: 'token' }, visible(step.text)));
    row.append(element('td', { class: 'num fused-p', 'data-logprob': fusedLogprob }, percent(fusedLogprob)));
    step.members.forEach((member) => row.append(element('td', {
      class: 'num member-p', 'data-model': member.model, 'data-logprob': member.logprob,
    }, percent(member.logprob))));
    row.append(element('td', { class: 'winner', style: { '--c': colour } }, this.members[win]));
    this.body.append(row);
    for (const node of [span, row]) node.addEventListener('mouseenter', () => this.show(index));
  }

  start(models) {
    this.members = models;
    this.root.hidden = false;
    models.forEach((model, index) => this.legend.append(
      element('span', { style: { '--c': memberColour(index) } }, model)));
    const header = element('tr');
    for (const name of ['#', 'token', 'fused p', ...models.map((model) => `${model} p`), 'winner']) {
      header.append(element('th', {}, name));
    }
    this.head.append(header);
  }

  /** Shows step `index`: the fused top tokens, then each member's, the chosen token in bold. */
  show(index) {
    const step = this.steps[index];
    for (const node of this.root.querySelectorAll('.active')) node.classList.remove('active');
    for (const node of this.root.querySelectorAll(`[data-step="${index}"]`)) node.classList.add('active');
    const columns = [this.distribution('fused', 'var(--ink)', step.top, step.token, step.logprob)];
    step.members.forEach((member, m) => columns.push(
      this.distribution(member.model, memberColour(m), member.top, step.token, member.logprob)));
    this.detail.replaceChildren(...columns);
  }

  distribution(title, colour, top, chosen, chosenLogprob) {
    const box = element('div', { class: 'dist', style: { '--c': colour } });
    box.append(element('h3', {}, `${title}: ${percent(chosenLogprob)} for the chosen token`));
    for (const entry of top) {
      const bar = element('div', { class: entry.token === chosen ? 'bar chosen' : 'bar' });
      bar.append(element('span', { class: 't' }, visible(entry.text)));
      const track = element('span');
      track.append(element('span', { class: 'b', style: { width: percent(entry.logprob), display: 'block' } }));
      bar.append(track);
      bar.append(element('span', { class: 'num' }, percent(entry.logprob)));
      box.append(bar);
    }
    return box;
  }
}
