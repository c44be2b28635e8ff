// The smallest edge function: answers every request.
addEventListener('fetch', (event) => {
  event.respondWith(new Response('Hello from edgefn!\n', { headers: { 'content-type': 'text/plain; charset=utf-8' } }));
});
