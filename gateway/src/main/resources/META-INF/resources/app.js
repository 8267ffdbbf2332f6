// The DreamID page: a plain client of the gateway's job API (the same endpoints as the CLI).
// Server-sent events are read with fetch() because EventSource cannot send the X-API-Key header.
'use strict';

const $ = (id) => document.getElementById(id);
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
let currentJob = null;

$('api-key').value = localStorage.getItem('dreamid.apiKey') || '';
$('api-key').addEventListener('change', () => localStorage.setItem('dreamid.apiKey', $('api-key').value.trim()));

$('photo').addEventListener('change', () => {
  const file = $('photo').files[0];
  if (file) {
    $('photo-preview').src = URL.createObjectURL(file);
    $('photo-preview').hidden = false;
  }
});

function headers() {
  return { 'X-API-Key': $('api-key').value.trim() };
}

function spec() {
  const s = {
    prompts: $('prompts').value.split('\n').map((p) => p.trim()).filter((p) => p.length > 0),
    negativePrompt: $('negative').value,
  };
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

$('job-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('error').hidden = true;
  if (!$('api-key').value.trim()) return showError('Enter the API key.');
  // Prompts that name nobody make a plain text-to-image job: no photo then.
  const namesAPerson = spec().prompts.some(p => p.includes('{id'));
  if (namesAPerson && !$('photo').files[0]) return showError('Choose a photo of a face, or leave {id} out of the prompts for a plain text-to-image job.');
  localStorage.setItem('dreamid.apiKey', $('api-key').value.trim());
  const form = new FormData();
  form.append('spec', new Blob([JSON.stringify(spec())], { type: 'application/json' }));
  if ($('photo').files[0]) form.append('photo', $('photo').files[0]);
  $('submit').disabled = true;
  try {
    // A key of its own per submission: the gateway answers a repeat of it with the same job.
    const key = crypto.randomUUID ? crypto.randomUUID() : Date.now() + '-' + Math.random().toString(36).slice(2);
    const response = await fetch('/v1/jobs', { method: 'POST', headers: { ...headers(), 'Idempotency-Key': key }, body: form });
    if (response.status !== 202) return showError(await errorMessage(response));
    const job = await response.json();
    currentJob = job.jobId;
    $('job').hidden = false;
    $('job-id').textContent = job.jobId;
    $('face').hidden = true;
    $('cancel').hidden = false;
    await follow(job.jobId);
  } catch (e) {
    showError('Cannot reach the gateway: ' + e.message);
  } finally {
    $('submit').disabled = false;
    $('cancel').hidden = true;
  }
});

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

async function showImages(state) {
  const full = await (await fetch('/v1/jobs/' + state.jobId, { headers: headers() })).json();
  const images = full.images || [];
  const perPrompt = (full.spec && full.spec.imagesPerPrompt) || 1;
  for (let n = 0; n < images.length; n++) {
    const link = typeof images[n] === 'string' ? images[n] : (images[n].url || images[n].href);
    const response = await fetch(link, { headers: headers() });
    if (!response.ok) continue;
    const figure = document.createElement('figure');
    const img = document.createElement('img');
    img.src = URL.createObjectURL(await response.blob());
    img.alt = 'image ' + n + ' of job ' + state.jobId;
    img.className = 'result';
    const caption = document.createElement('figcaption');
    const prompt = full.spec && full.spec.prompts ? full.spec.prompts[Math.floor(n / perPrompt)] : '';
    const s = full.spec || {};
    caption.textContent = prompt + ' | seed ' + s.seed + ', ' + s.steps + ' steps, guidance ' + s.guidanceScale
      + (s.scheduler ? ', ' + s.scheduler : '') + ', ' + s.width + 'x' + s.height;
    figure.append(img, caption);
    $('gallery').prepend(figure);
  }
}
