// The sign-in page works without the wasm (see `pages::auth::SERVED_WITHOUT_WASM`):
// its form is a plain HTML form the server answers with a redirect. This
// script, inlined into the page, adds what a hydrated page would: the
// language and theme switchers, a busy submit button, and the e-mail typed
// kept after a failed attempt.
document.addEventListener('DOMContentLoaded', () => {
  const root = document.documentElement;
  const savePreference = (name, value) => fetch('/api/save_display_preferences', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ [name]: value }),
  });

  const language = document.getElementById('language-switcher');
  if (language) {
    language.addEventListener('change', async () => {
      language.disabled = true;
      await savePreference('locale', language.value).catch(() => {});
      location.reload();
    });
  }

  const THEME_CLASSES = { light: 'theme-light', dark: 'dark', system: 'theme-system' };
  const themeButtons = [...document.querySelectorAll('button[data-theme]')];
  for (const button of themeButtons) {
    button.addEventListener('click', () => {
      const pressed = themeButtons.find((b) => b.getAttribute('aria-pressed') === 'true');
      if (!pressed || pressed === button) return;
      // The pressed look and the plain look are the server's own classes.
      [pressed.className, button.className] = [button.className, pressed.className];
      pressed.setAttribute('aria-pressed', 'false');
      button.setAttribute('aria-pressed', 'true');
      root.classList.remove(...Object.values(THEME_CLASSES));
      root.classList.add(THEME_CLASSES[button.dataset.theme]);
      savePreference('theme', button.dataset.theme).catch(() => {});
    });
  }

  const form = document.querySelector('main form');
  if (form) {
    const key = 'ponte-signed-out:' + location.pathname;
    const email = form.querySelector('input[type=email]');
    const failed = new URLSearchParams(location.search).has('form_error');
    if (failed && email && !email.value) email.value = sessionStorage.getItem(key) ?? '';

    const submit = form.querySelector('button[type=submit]');
    const label = submit?.textContent;
    form.addEventListener('submit', () => {
      if (email) sessionStorage.setItem(key, email.value);
      if (!submit) return;
      submit.textContent = submit.dataset.busyLabel || label;
      submit.setAttribute('aria-busy', 'true');
      // After this event, so the browser still submits the form.
      setTimeout(() => { submit.disabled = true; });
    });
    // Back from the next page, the form is usable again.
    addEventListener('pageshow', (event) => {
      if (!event.persisted || !submit) return;
      submit.disabled = false;
      submit.removeAttribute('aria-busy');
      submit.textContent = label;
    });
  }

  root.dataset.hydrated = 'true';
});
