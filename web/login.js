import { $ } from './lib/dom.js';

$('#login').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('#message').textContent = '';
  const res = await fetch('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ token: $('#token').value.trim() }),
  });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    $('#message').textContent = body?.error?.messageZh ?? '登录失败';
    return;
  }
  const next = new URLSearchParams(location.search).get('next');
  // Only our own pages: never an address someone put in the link.
  location.assign(next === '/dashboard' ? '/dashboard' : '/panel');
});
