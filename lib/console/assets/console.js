// The console's only script (served from the console itself; the Content-Security-Policy allows
// no other). It turns each confirm form into a same-origin JSON POST (the session cookie is
// SameSite=Strict, and the server checks the Origin), then opens the replay's progress page.
// Nothing from the server is ever inserted as markup: messages go in through textContent.

for (const form of document.querySelectorAll('form.confirm')) {
  const output = form.querySelector('output');
  const button = form.querySelector('button');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.elements.confirm.checked) {
      output.textContent = 'Tick the box to confirm first.';
      return;
    }
    button.disabled = true;
    output.textContent = 'Starting…';
    try {
      const response = await fetch(form.dataset.action, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: form.dataset.body,
      });
      const answer = await response.json();
      if (answer.job !== undefined && response.status === 202) {
        window.location.assign(answer.job);
        return;
      }
      output.textContent = answer.error ?? `the console answered ${response.status}`;
    } catch (error) {
      output.textContent = `the console did not answer: ${error}`;
    }
    button.disabled = false;
  });
}
