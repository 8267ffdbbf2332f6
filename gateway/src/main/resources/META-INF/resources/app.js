// The DreamID page: a plain client of the gateway's job API (the same endpoints as the CLI).
// Server-sent events are read with fetch() because EventSource cannot send the X-API-Key header.
'use strict';

const $ = (id) => document.getElementById(id);
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const PLACEHOLDER = /\{id(?::([A-Za-z0-9_-]{1,64}))?\}/g;
let currentJob = null;
let library = [];
/**
 * One row per person the prompts have named, keyed by the name ('' for {id}); a row whose name leaves the prompts is
 * hidden, not removed, so a photo chosen for it is still there when the name comes back.
 */
const rows = new Map();

$('api-key').value = localStorage.getItem('dreamid.apiKey') || '';
let keyTimer = null;
$('api-key').addEventListener('input', () => {
  // The library and the recent jobs are the key's tenant's: load them once the typing stops.
  clearTimeout(keyTimer);
  keyTimer = setTimeout(() => {
    localStorage.setItem('dreamid.apiKey', $('api-key').value.trim());
    loadLibrary();
    loadRecent();
  }, 300);
});
$('prompts').addEventListener('input', renderPeople);
$('refresh-jobs').addEventListener('click', loadRecent);

function headers() {
  return { 'X-API-Key': $('api-key').value.trim() };
}

function prompts() {
  return $('prompts').value.split('\n').map((p) => p.trim()).filter((p) => p.length > 0);
}

/** The distinct names of the prompts' placeholders in order of first use: '' for {id}, NAME for {id:NAME}. */
function personNames(list) {
  const names = [];
  for (const p of list) {
    for (const m of p.matchAll(PLACEHOLDER)) {
      const name = m[1] || '';
      if (!names.includes(name)) names.push(name);
    }
  }
  return names;
}

function suffix(name) {
  return name === '' ? '' : '-' + name;
}

/** A row for each person: upload a photo, or pick an identity from the tenant's library. */
function renderPeople() {
  const names = personNames(prompts());
  $('text-only').hidden = names.length > 0;
  for (const [name, row] of rows) row.hidden = !names.includes(name);
  for (const name of names) {
    if (rows.has(name)) continue;
    const s = suffix(name);
    const row = document.createElement('div');
    row.className = 'person';
    row.innerHTML = `<strong></strong>
      <label><input type="radio" name="source${s}" id="upload${s}" value="upload" checked> upload a photo</label>
      <label><input type="radio" name="source${s}" id="pick${s}" value="library"> pick from the library</label>
      <input id="photo${s}" type="file" accept="image/*">
      <select id="library${s}" hidden></select>
      <img id="photo-preview${s}" class="preview" alt="" hidden>`;
    row.querySelector('strong').textContent = name === '' ? 'The person {id}' : '{id:' + name + '}';
    $('people').append(row);
    rows.set(name, row);
    const photo = row.querySelector('input[type=file]');
    const select = row.querySelector('select');
    const preview = row.querySelector('img');
    photo.addEventListener('change', () => {
      if (photo.files[0]) {
        preview.src = URL.createObjectURL(photo.files[0]);
        preview.hidden = false;
      }
    });
    for (const radio of row.querySelectorAll('input[type=radio]')) {
      radio.addEventListener('change', () => {
        const pick = row.querySelector('input[value=library]').checked;
        photo.hidden = pick;
        preview.hidden = pick || !photo.files[0];
        select.hidden = !pick;
      });
    }
    fillLibrary(select);
  }
}

function fillLibrary(select) {
  const chosen = select.value;
  select.replaceChildren();
  const none = document.createElement('option');
  none.value = '';
  none.textContent = library.length ? 'choose an identity' : 'the library is empty';
  select.append(none);
  for (const entry of library) {
    const option = document.createElement('option');
    option.value = entry.identityId;
    option.textContent = (entry.name || 'unnamed') + ' · ' + entry.identityId.slice(0, 12)
      + (entry.createdAt ? ' · ' + entry.createdAt.slice(0, 16).replace('T', ' ') : '');
    select.append(option);
  }
  select.value = chosen;
}

async function loadLibrary() {
  if (!$('api-key').value.trim()) return;
  try {
    const response = await fetch('/v1/identities', { headers: headers() });
    if (!response.ok) return;
    library = (await response.json()).identities || [];
    for (const row of rows.values()) fillLibrary(row.querySelector('select'));
  } catch (e) {
    // the library stays as it was; the next refresh tries again
  }
}

function spec() {
  const s = { prompts: prompts(), negativePrompt: $('negative').value };
  for (const [field, id] of [['imagesPerPrompt', 'images'], ['steps', 'steps'], ['seed', 'seed'],
                             ['width', 'width'], ['height', 'height']]) {
    if ($(id).value !== '') s[field] = Number.parseInt($(id).value, 10);
  }
  if ($('guidance').value !== '') s.guidanceScale = Number.parseFloat($('guidance').value);
  if ($('scheduler').value !== '') s.scheduler = $('scheduler').value;
  return s;
}

function showError(message) {
  $('job').hidden = false;
  $('error').textContent = message;
  $('error').hidden = false;
}

async function errorMessage(response) {
  try {
    const body = await response.json();
    return (body.code ? body.code + ': ' : '') + (body.message || JSON.stringify(body));
  } catch (e) {
    return 'HTTP ' + response.status;
  }
}

/**
 * The request for the form: multipart with the spec and a part 'photo' ({id}) or 'photo:NAME' per uploaded person
 * (library picks go in spec.people), or JSON with identityId for {id} picked from the library. Null after an error.
 */
function request() {
  const s = spec();
  const names = personNames(s.prompts);
  const form = new FormData();
  if (names.length === 1 && names[0] === '' && $('pick').checked) {
    if (!$('library').value) return showError('Pick an identity from the library for {id}, or upload a photo.');
    return { json: { spec: s, identityId: $('library').value } };
  }
  const people = {};
  for (const name of names) {
    const s2 = suffix(name);
    const who = name === '' ? '{id}' : '{id:' + name + '}';
    if ($('pick' + s2).checked) {
      if (!$('library' + s2).value) return showError('Pick an identity from the library for ' + who + '.');
      people[name] = $('library' + s2).value;
    } else if ($('photo' + s2).files[0]) {
      form.append(name === '' ? 'photo' : 'photo:' + name, $('photo' + s2).files[0]);
    } else {
      return showError('Choose a photo of a face for ' + who + ', or pick one from the library'
        + (names.length === 1 && name === '' ? ', or leave {id} out of the prompts for a plain text-to-image job.' : '.'));
    }
  }
  if (Object.keys(people).length) s.people = people;
  form.append('spec', new Blob([JSON.stringify(s)], { type: 'application/json' }));
  return { form };
}

$('job-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('error').hidden = true;
  if (!$('api-key').value.trim()) return showError('Enter the API key.');
  localStorage.setItem('dreamid.apiKey', $('api-key').value.trim());
  const req = request();
  if (!req) return;
  await submit(req);
});

async function submit(req) {
  $('submit').disabled = true;
  $('error').hidden = true;
  try {
    // A key of its own per submission: the gateway answers a repeat of it with the same job.
    const key = crypto.randomUUID ? crypto.randomUUID() : Date.now() + '-' + Math.random().toString(36).slice(2);
    const h = { ...headers(), 'Idempotency-Key': key };
    const response = req.form
      ? await fetch('/v1/jobs', { method: 'POST', headers: h, body: req.form })
      : await fetch('/v1/jobs', { method: 'POST', headers: { ...h, 'Content-Type': 'application/json' },
                                  body: JSON.stringify(req.json) });
    if (response.status !== 202) return showError(await errorMessage(response));
    const job = await response.json();
    currentJob = job.jobId;
    $('job').hidden = false;
    $('job-id').textContent = job.jobId;
    $('face').hidden = true;
    $('cancel').hidden = false;
    loadRecent();
    await follow(job.jobId);
  } catch (e) {
    showError('Cannot reach the gateway: ' + e.message);
  } finally {
    $('submit').disabled = false;
    $('cancel').hidden = true;
    loadRecent();
    loadLibrary();
  }
}

$('cancel').addEventListener('click', async () => {
  if (!currentJob) return;
  const response = await fetch('/v1/jobs/' + currentJob, { method: 'DELETE', headers: headers() });
  if (!response.ok && response.status !== 409) showError(await errorMessage(response));
});

async function follow(jobId) {
  let state = null;
  try {
    const response = await fetch('/v1/jobs/' + jobId + '/events', { headers: { ...headers(), Accept: 'text/event-stream' } });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('');
        if (!data) continue;
        state = JSON.parse(data);
        if (state.status) await render(state);
        if (TERMINAL.has(state.status)) return;
      }
    }
  } catch (e) {
    // the stream broke off: fall through to polling the job
  }
  while (!state || !TERMINAL.has(state.status)) {
    await new Promise((r) => setTimeout(r, 1000));
    const response = await fetch('/v1/jobs/' + jobId, { headers: headers() });
    if (!response.ok) return showError(await errorMessage(response));
    state = await response.json();
    await render(state);
  }
}

async function render(state) {
  $('status').textContent = state.status + (state.stage ? ' (' + state.stage + ')' : '');
  $('progress').value = state.progress || 0;
  if ($('face').hidden && ['ENCODING', 'GENERATING', 'SUCCEEDED'].includes(state.status)) {
    await showFace(state.jobId);
  }
  if (state.notices && state.notices.length) {
    $('notices').textContent = state.notices.join(' ');
    $('notices').hidden = false;
  }
  if (state.status === 'FAILED' && state.error) {
    showError(state.error.code + ': ' + state.error.message);
  }
  if (state.status === 'SUCCEEDED') {
    await showImages(state);
  }
}

async function showFace(jobId) {
  const response = await fetch('/v1/jobs/' + jobId + '/face', { headers: headers() });
  if (response.ok) {
    $('face').src = URL.createObjectURL(await response.blob());
    $('face').hidden = false;
  }
}

async function imageUrl(link) {
  const response = await fetch(link, { headers: headers() });
  return response.ok ? URL.createObjectURL(await response.blob()) : null;
}

function linkOf(image) {
  return typeof image === 'string' ? image : (image.url || image.href);
}

/** The parameters of a spec in one line, as the gallery and the recent jobs show them. */
function parameters(s) {
  return 'seed ' + s.seed + ', ' + s.steps + ' steps, guidance ' + s.guidanceScale
    + (s.scheduler ? ', ' + s.scheduler : '') + ', ' + s.width + 'x' + s.height
    + (s.people ? ', people ' + Object.entries(s.people).map(([n, v]) => n + '=' + v).join(' ') : '');
}

/**
 * The identity judge's score of an image (absent until it has judged, and for jobs with no input face); for a job of
 * several people each person's score (the face the judge matched to that person).
 */
function identityText(score) {
  if (!score) return '';
  if (score.people && Object.keys(score.people).length) {
    return 'identity: ' + Object.entries(score.people).map(([name, p]) => name + ' '
      + (p.faceFound ? 'distance ' + Number(p.distance).toFixed(3)
        + (p.samePerson ? ' (same person)' : ' (not the same person)') : 'no face')).join(', ');
  }
  if (!score.faceFound) return 'identity: no face found in the image';
  return 'identity: distance ' + Number(score.distance).toFixed(3) + ', similarity '
    + Number(score.similarity).toFixed(3) + (score.samePerson ? ', same person' : ', not the same person');
}

/** Best-of candidates with their scores, when the job has them ({@code candidates}, on the job or an image). */
function candidatesText(candidates) {
  if (!Array.isArray(candidates) || !candidates.length) return '';
  return 'candidates: ' + candidates.map((c, i) => {
    const score = c.identity || c;
    const d = score.distance ?? score.score;
    return '#' + (c.index ?? i) + (d === undefined ? '' : ' ' + Number(d).toFixed(3))
      + (c.chosen || c.kept ? ' (kept)' : '');
  }).join(', ');
}

async function showImages(state) {
  const full = await (await fetch('/v1/jobs/' + state.jobId, { headers: headers() })).json();
  const images = full.images || [];
  const perPrompt = (full.spec && full.spec.imagesPerPrompt) || 1;
  const scores = [];
  for (let n = 0; n < images.length; n++) {
    const src = await imageUrl(linkOf(images[n]));
    if (!src) continue;
    const figure = document.createElement('figure');
    const img = document.createElement('img');
    img.src = src;
    img.alt = 'image ' + n + ' of job ' + state.jobId;
    img.className = 'result';
    const caption = document.createElement('figcaption');
    const prompt = full.spec && full.spec.prompts ? full.spec.prompts[Math.floor(n / perPrompt)] : '';
    caption.textContent = prompt + ' | ' + parameters(full.spec || {});
    const score = document.createElement('span');
    score.className = 'score';
    score.textContent = [identityText(images[n].identity), candidatesText(images[n].candidates)]
      .filter((t) => t).join(' | ');
    caption.append(document.createElement('br'), score);
    scores.push(score);
    figure.append(img, caption);
    $('gallery').prepend(figure);
  }
  const jobCandidates = candidatesText(full.candidates);
  if (jobCandidates) $('notices').textContent += ' ' + jobCandidates;
  await awaitScores(state.jobId, full, scores);
}

/** The judge scores a job with an input face a moment after SUCCEEDED: show its scores when they come. */
async function awaitScores(jobId, full, spans) {
  const hasFace = full.identityId || (full.spec && full.spec.people);
  for (let i = 0; hasFace && i < 20 && spans.some((s) => !s.textContent); i++) {
    await new Promise((r) => setTimeout(r, 500));
    const response = await fetch('/v1/jobs/' + jobId, { headers: headers() });
    if (!response.ok) return;
    const images = (await response.json()).images || [];
    images.forEach((image, n) => {
      if (spans[n] && image.identity) {
        spans[n].textContent = [identityText(image.identity), candidatesText(image.candidates)]
          .filter((t) => t).join(' | ');
      }
    });
  }
}

/** The request that runs a job again with the same spec (and seed) and the same people. */
function againRequest(job) {
  if (job.photos) return { json: { spec: job.spec, photos: job.photos } };
  if (job.photoRef) return { json: { spec: job.spec, photoRef: job.photoRef } };
  if (job.identityId && personNames(job.spec.prompts || []).includes('')) {
    return { json: { spec: job.spec, identityId: job.identityId } };
  }
  return { json: { spec: job.spec } };
}

/** The tenant's recent jobs: a thumbnail, the parameters, the identity scores and a "run again". */
async function loadRecent() {
  if (!$('api-key').value.trim()) return;
  let jobs;
  try {
    const response = await fetch('/v1/jobs?limit=10', { headers: headers() });
    if (!response.ok) return;
    jobs = (await response.json()).jobs || [];
  } catch (e) {
    return;
  }
  const items = [];
  for (const job of jobs) {
    const li = document.createElement('li');
    li.className = 'recent-job';
    li.dataset.job = job.jobId;
    const s = job.spec || {};
    const images = job.images || [];
    if (images.length) {
      const thumb = document.createElement('img');
      thumb.className = 'thumb';
      thumb.alt = 'first image of job ' + job.jobId;
      thumb.src = (await imageUrl(linkOf(images[0]))) || '';
      li.append(thumb);
    }
    const text = document.createElement('div');
    const title = document.createElement('div');
    title.textContent = job.status + ' · ' + (job.createdAt || '').slice(0, 19).replace('T', ' ') + ' · '
      + job.jobId.slice(0, 8);
    const what = document.createElement('div');
    what.className = 'prompts';
    what.textContent = s.identityOnly ? 'identity ' + (job.identityId || '') : (s.prompts || []).join(' / ');
    const params = document.createElement('div');
    params.className = 'params-line';
    params.textContent = s.identityOnly ? '' : parameters(s);
    const judged = document.createElement('div');
    judged.className = 'scores';
    judged.textContent = images.map((image) => identityText(image.identity)).filter((t) => t).join('; ');
    text.append(title, what, params, judged);
    li.append(text);
    if (!s.identityOnly && s.prompts) {
      const again = document.createElement('button');
      again.type = 'button';
      again.className = 'run-again';
      again.textContent = 'Run again';
      again.addEventListener('click', () => submit(againRequest(job)));
      li.append(again);
    }
    items.push(li);
  }
  $('recent').replaceChildren(...items);
}

renderPeople();
loadLibrary();
loadRecent();
