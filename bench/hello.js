addEventListener('fetch', (event) => {
  event.respondWith(new Response('hi', { headers: { 'content-type': 'text/plain' } }));
});
