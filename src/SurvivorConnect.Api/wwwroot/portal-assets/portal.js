// The portal: quick exit, navigation that leaves no history trail, and the live parts
// (chat, flag queue, notices) over the site's own SignalR hubs. No framework, nothing kept in storage.
(() => {
  'use strict';
  const RS = '\u001e';
  const exitUrl = document.querySelector('meta[name="sc-exit"]')?.content || 'https://weather.com';
  const sockets = new Set();
  let page = null;
  let notices = null;

  // ---- Quick exit (GOV.UK "Exit this page"): blank at once, end the session, replace the page. ----
  // Every other portal tab of this browser leaves too: a chat left open in one would otherwise stay live on a shared phone.
  const everyTab = 'BroadcastChannel' in window ? new BroadcastChannel('sc-exit') : null;
  if (everyTab) everyTab.onmessage = () => leave();

  function exitNow(event) {
    event?.preventDefault();
    try { everyTab?.postMessage('exit'); } catch { /* this tab leaves anyway */ }
    leave();
  }

  function leave() {
    // Read before the page is cleared. Without a signal the beacon below goes nowhere: this mark, sent with the next
    // request to the site (whoever makes it), ends the session before anything is shown.
    const idleMinutes = Number(document.querySelector('nav[aria-label="Main"]')?.dataset.idleMinutes) || 60;
    clear();
    // Over https only this host can set it (the __Host- prefix), so no sibling site can plant it to lock someone out.
    const https = location.protocol === 'https:';
    document.cookie = `${https ? '__Host-' : ''}sc-left=1; Path=/; Max-Age=${idleMinutes * 60}; SameSite=Strict${https ? '; Secure' : ''}`;
    try { navigator.sendBeacon('/exit'); } catch { /* the session still ends when it idles out */ }
    window.location.replace(exitUrl);
  }

  // Nothing of the page stays on screen: no text, no title, no live connection, and nothing that would reconnect
  // or, finding the session gone, send the page somewhere other than where it is leaving for.
  let left = false;
  const formsOnTheirWay = new Set();
  function clear() {
    left = true;
    // What shows goes first, and nothing after it can stop the page from leaving: the exit link's own way out is cancelled
    // already. Not replaceChildren, which Safari before 14 and Chrome before 86 lack.
    document.title = '';
    document.body.textContent = '';
    // A form's answer still to come would leave a cookie of the site (the sign-in page's) after the exit took them all.
    for (const sending of formsOnTheirWay) { try { sending.abort(); } catch { /* leaving anyway */ } }
    try { page?.stop(); } catch { /* leaving anyway */ }
    try { notices?.stop(); } catch { /* leaving anyway */ }
    for (const socket of sockets) { try { socket.close(); } catch { /* leaving anyway */ } }
    const overlay = document.createElement('div');
    overlay.className = 'exit-overlay';
    document.body.append(overlay);
  }

  // ---- The session: kept while the person is at work here, and the page cleared once it has ended. ----
  // A chat is used over its live connection, which the session's idle time-out does not see: a tap or a key on the
  // page says the person is still here, at most one request every ten seconds.
  let busy = false;
  // Focus the script moves itself (back from the idle question, to a chat's status on a push) says nothing of whether
  // anyone is here: only focus a person moves counts.
  let selfFocus = false;
  function quietFocus(element, options) {
    selfFocus = true;
    try { element?.focus(options); } finally { selfFocus = false; }
  }
  // A page the script drew again by itself (below) goes on counting from the person's last tap, as the server does; the
  // address it came with loses the mark, so a form sent from it is the person's own doing.
  const drawnAgain = new URLSearchParams(window.location.search);
  const idleLimit = (Number(document.querySelector('nav[aria-label="Main"]')?.dataset.idleMinutes) || 60) * 60000;
  let lastActive = Date.now() - Math.min(idleLimit, Math.max(0, Number(drawnAgain.get('redrawn-idle')) || 0));
  if (drawnAgain.has('redrawn-idle')) {
    drawnAgain.delete('redrawn-idle');
    const rest = drawnAgain.toString();
    window.history.replaceState(window.history.state, '', window.location.pathname + (rest ? `?${rest}` : '') + window.location.hash);
  }
  // Every portal tab of this browser shares one session, so a tap in one is work in all of them: a tab left in the
  // background would otherwise count the session idle and end it under the tab in use, mid-sentence.
  const activity = 'BroadcastChannel' in window ? new BroadcastChannel('sc-active') : null;
  if (activity) activity.onmessage = () => { lastActive = Date.now(); warnIdle(false); };
  let toldOthersAt = 0;
  // Scrolling by hand (a wheel, a finger) is reading, and reading is being here: a chat read for half an hour must not
  // clear under its reader. A scroll the page makes itself (new messages) is neither of these. So is moving through the
  // page with a screen reader, which sends no key or pointer to the page, only focus from one part to the next.
  for (const kind of ['keydown', 'pointerdown', 'input', 'wheel', 'touchmove', 'focusin']) {
    document.addEventListener(kind, (event) => {
      // The question's own button answers it (below): hidden at the press, its click would land on what lies beneath.
      if (event.target.closest?.('[data-idle-warning]') || (event.type === 'focusin' && selfFocus)) return;
      busy = true;
      lastActive = Date.now();
      warnIdle(false);
      if (lastActive - toldOthersAt > 5000) {
        toldOthersAt = lastActive;
        try { activity?.postMessage('active'); } catch { /* the other tabs ask the server instead */ }
      }
    }, { capture: true, passive: true });
  }

  // Without a signal the server cannot say the session idled out, and the page would stay on a phone put down: the page
  // counts the person's idle time too, and clears itself once it is past. Where the server can be asked, it is asked
  // first: a tab of a browser that could not hear the others must not end a session someone is still using.
  let askingIfIdle = false;
  setInterval(async () => {
    const idleMinutes = Number(document.querySelector('nav[aria-label="Main"]')?.dataset.idleMinutes);
    if (!(idleMinutes > 0) || left) return;
    // A minute before the end (halfway, for a time-out that short), the person is asked whether they are still here
    // (WCAG 2.2.1: time to say so).
    warnIdle(Date.now() - lastActive > Math.max(idleMinutes / 2, idleMinutes - 1) * 60000);
    if (Date.now() - lastActive <= idleMinutes * 60000 || askingIfIdle) return;
    askingIfIdle = true;
    let state;
    try { state = await sessionState(); } finally { askingIfIdle = false; }
    // Still on (someone is at work in another tab), or the server could not say just now: asked again in two minutes,
    // the first of them without the question. Only with no answer at all (no signal) does the page clear itself on its
    // own count.
    if (state === 'live' || state === 'unknown') { lastActive = Date.now() - Math.max(idleMinutes / 2, idleMinutes - 2) * 60000; warnIdle(false); return; }
    endSession();
  }, 15000);

  // A phone unlocked (or a tab come back to) after the idle time shows nothing of the page until the server says the
  // session still lives: the timer above can be minutes late waking, and its answer seconds late on a waking network.
  // A page the browser brings back whole with Back (its back cache) is asked about however recent: the person may have
  // signed out, or been signed out everywhere, since it was put away. So is one put away for more than half a minute
  // (a phone taken, and its person signing out everywhere from another): shown again only once the server answers.
  // Only the safety plan shows again at once with no signal at all: someone may have gone to call for help and come
  // back to it offline (any other page, a phone put in airplane mode would show). Without a signal nobody can say the
  // phone is still its person's, so only the crisis lines and coping steps show: what would lead someone to them (the
  // people and places they would go to) waits until the server says the session lives.
  let returning = false;
  let hiddenAt = 0;
  // Brought back whole while a check already runs (the browser said "visible" first): that check redraws it too.
  let restoredMeanwhile = false;
  async function coverOnReturn(restored = false) {
    if (left || returning || document.visibilityState !== 'visible') return;
    const idleMinutes = Number(document.querySelector('nav[aria-label="Main"]')?.dataset.idleMinutes);
    const idle = Date.now() - lastActive > idleMinutes * 60000;
    const away = hiddenAt > 0 && Date.now() - hiddenAt > 30000;
    hiddenAt = 0;
    if (!(idleMinutes > 0) || (!restored && !idle && !away)) {
      document.documentElement.classList.remove('covered');
      return;
    }
    returning = true;
    document.documentElement.classList.add('covered');
    try {
      // The server failing to say (busy, or failing) is asked again, less often each time, the page still covered and
      // the exit still there; with no answer at all (as the idle count above), or none for five minutes, the page clears.
      const askedSince = Date.now();
      for (let wait = 5000; ; wait = Math.min(wait * 2, 60000)) {
        const state = await sessionState();
        if (left) return;
        if (state === 'live') {
          // Brought back whole, it may show what its person may no longer see (a youth handed on meanwhile): drawn again.
          if (restored || restoredMeanwhile) { window.location.replace(window.location.pathname + window.location.search); return; }
          lastActive = Math.max(lastActive, Date.now() - Math.max(idleMinutes / 2, idleMinutes - 2) * 60000);
          document.documentElement.classList.remove('covered', 'offline-partial');
          return;
        }
        if (state === 'offline' && !idle && !restored && !restoredMeanwhile && document.querySelector('[data-offline-readable]')) {
          document.documentElement.classList.add('offline-partial');
          document.documentElement.classList.remove('covered');
          askUntilWhole();
          return;
        }
        // A page brought back within its idle time waits out a slow network too, rather than end a session in use.
        const waiting = state === 'unknown' || (state === 'offline' && !idle);
        if (!waiting || Date.now() - askedSince > 5 * 60000) break;
        await new Promise((resolve) => setTimeout(resolve, wait + Math.random() * 1000));
      }
      endSession();
    } finally {
      returning = false;
      restoredMeanwhile = false;
    }
  }
  document.addEventListener('visibilitychange', () => coverOnReturn());
  // A page shown in part with no signal asks the server again, less often each time, and at once when the browser says
  // it is back online. Only a check that names this page's session shows the rest: the browser's session may be
  // someone else's now, signed in in another tab.
  let askingUntilWhole = false;
  async function askUntilWhole() {
    if (askingUntilWhole) return;
    askingUntilWhole = true;
    try {
      for (let wait = 5000; document.documentElement.classList.contains('offline-partial'); wait = Math.min(wait * 2, 60000)) {
        await new Promise((resolve) => {
          const online = () => { clearTimeout(timer); resolve(); };
          const timer = setTimeout(() => { window.removeEventListener('online', online); resolve(); }, wait);
          window.addEventListener('online', online, { once: true });
        });
        if (left) return;
        const state = await sessionState();
        if (left) return;
        if (state === 'live') document.documentElement.classList.remove('offline-partial');
        else if (state === 'ended') { endSession(); return; }
      }
    } finally {
      askingUntilWhole = false;
    }
  }
  window.addEventListener('pageshow', (event) => {
    if (event.persisted && returning) restoredMeanwhile = true;
    coverOnReturn(event.persisted);
  });

  // Put away (another app, another tab, the phone locked), the page is covered at once: the app switcher and the tab
  // overview keep a picture of what was last on screen, and a tab woken from the freezer shows it before any check.
  const cover = () => { document.documentElement.classList.add('covered'); hiddenAt = hiddenAt || Date.now(); };
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') cover(); });
  window.addEventListener('pagehide', cover);

  const idleWarning = document.querySelector('[data-idle-warning]');
  let focusBeforeWarning = null;
  function warnIdle(on) {
    if (!idleWarning || idleWarning.hidden === !on) return;
    const hadFocus = idleWarning.contains(document.activeElement);
    idleWarning.hidden = !on;
    if (on) {
      focusBeforeWarning = document.activeElement;
      quietFocus(idleWarning.querySelector('[data-stay]'));
    } else if (hadFocus && focusBeforeWarning && document.contains(focusBeforeWarning)) {
      // Back where they were, after the key that answered has done its work: not pressed again on what had focus.
      setTimeout(() => quietFocus(focusBeforeWarning), 0);
    }
  }
  idleWarning?.querySelector('[data-stay]')?.addEventListener('click', () => {
    lastActive = Date.now();
    warnIdle(false);
    sessionEnded('POST', '/session/alive').then((ended) => { if (ended) endSession(); });
  });
  setInterval(() => {
    if (!busy || !document.querySelector('nav[aria-label="Main"]')) return;
    busy = false;
    sessionEnded('POST', '/session/alive').then((ended) => { if (ended) endSession(); });
  }, 10000);

  // The keep-alive, or (GET /session) a check that keeps nothing alive; offline is not an ended session.
  async function sessionEnded(method = 'GET', path = '/session') {
    return await sessionState(method, path) === 'ended';
  }

  // 'ended' (401 or 403), 'live', 'other' (the browser is in another session now: someone signed in over this page's),
  // 'unknown' (the server failing or too busy to say), or 'offline' (no answer in time).
  async function sessionState(method = 'GET', path = '/session') {
    const tag = drawnInSession();
    const asked = tag ? `${path}?tag=${encodeURIComponent(tag)}` : path;
    try {
      const response = await fetch(asked, { method, credentials: 'same-origin', signal: AbortSignal.timeout?.(10000) });
      if (response.status === 409) { leaveForOtherSession(); return 'other'; }
      return response.status === 401 || response.status === 403 ? 'ended' : response.ok ? 'live' : 'unknown';
    } catch {
      return 'offline';
    }
  }

  // The hash of the session this page was drawn in (none on a page for no one).
  function drawnInSession() {
    return document.querySelector('nav[aria-label="Main"]')?.dataset.session;
  }

  // What this page showed was someone else's session's: it goes, and the browser goes home as whoever is signed in now.
  // Not through the exit, which would end that other person's session.
  function leaveForOtherSession() {
    if (left) return;
    clear();
    window.location.replace('/');
  }

  // Idled out, or no longer allowed in: what the page showed goes, as for the quick exit, and sign-in says why.
  function endSession() {
    if (left) return;
    // Naming this page's session: one signed in since, in another tab, is not this page's to end. Read before the page
    // is cleared, which takes the session's mark with it.
    const drawnIn = drawnInSession();
    clear();
    try { navigator.sendBeacon(drawnIn ? `/exit?session=${encodeURIComponent(drawnIn)}` : '/exit'); } catch { /* an ended session needs no ending */ }
    window.location.replace('/signin?ended=1');
  }

  let shiftPresses = 0;
  let shiftTimer = 0;
  // Shift held for a capital letter or Shift+Tab is typing, not a press towards the exit: nothing is counted or said.
  let shiftCombined = false;
  document.addEventListener('keyup', (event) => {
    if (event.key !== 'Shift') { shiftPresses = 0; return; }
    if (shiftCombined) { shiftCombined = false; shiftPresses = 0; return; }
    shiftPresses += 1;
    clearTimeout(shiftTimer);
    shiftTimer = setTimeout(() => { shiftPresses = 0; say('[data-exit-status]', ''); }, 5000);
    if (shiftPresses >= 3) { exitNow(); return; }
    say('[data-exit-status]', `Shift, press ${3 - shiftPresses} more ${3 - shiftPresses === 1 ? 'time' : 'times'} to exit.`);
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Shift') shiftCombined = false;
    else { shiftPresses = 0; shiftCombined = shiftCombined || event.shiftKey; }
    // The exit is a link, so it works without this script; it says it is a button, so Space works too (Enter follows the link).
    if (event.key === ' ' && event.target.closest?.('[data-exit]')) exitNow(event);
  });

  function say(selector, text) {
    const region = document.querySelector(selector);
    if (region) region.textContent = text;
  }

  // Hubs refusing this page for now (too many open): said whatever else comes and goes, until they take it again.
  const refusedHubs = new Set();
  function banner(text) {
    const el = document.querySelector('[data-connection]');
    if (!el) return;
    const next = text || (refusedHubs.size ? 'Live updates are off on this page because many portal pages are open. Close some, then reload this one.' : '');
    // The same words again are not news to a screen reader.
    if (el.textContent !== next) {
      el.textContent = next;
      if (next) announce(next);
    }
    el.hidden = !next;
  }

  // What the toast and the connection banner show comes and goes, and a region hidden until its words arrive is often not
  // read out: screen readers hear them from a status region that is always there, only never seen.
  let announcing = 0;
  function announce(text) {
    const region = document.querySelector('[data-announce]');
    if (!region) return;
    region.textContent = '';
    clearTimeout(announcing);
    // Emptied first, so words said again (a second new flag) are news again.
    announcing = setTimeout(() => { region.textContent = text; }, 100);
  }

  let toastTimer = 0;
  function toast(text) {
    say('[data-toast]', text);
    announce(text);
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => say('[data-toast]', ''), 8000);
  }

  // ---- Navigation without a trail: every move inside the portal replaces the current history entry. ----
  document.addEventListener('click', (event) => {
    const exit = event.target.closest('[data-exit]');
    if (exit) { exitNow(event); return; }
    const link = event.target.closest('a[href]');
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || link.target) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || link.hasAttribute('download')) return;
    event.preventDefault();
    // A jump within the page (skip to main content) would be an entry of its own, left behind by the quick exit: the
    // focus moves, the history does not.
    if (url.hash && url.pathname === location.pathname && url.search === location.search) {
      const target = document.getElementById(decodeURIComponent(url.hash.slice(1)));
      if (!target) return;
      if (!target.matches('a[href], button, input, select, textarea, [tabindex]')) target.setAttribute('tabindex', '-1');
      quietFocus(target);
      target.scrollIntoView?.({ block: 'start' });
      return;
    }
    location.replace(url.href);
  });

  // crypto.randomUUID is newer than some phones still in use (iOS before 15.4): the same 128 random bits, by hand there.
  const newMessageId = () => crypto.randomUUID?.()
    ?? Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

  // FormData(form, submitter) is newer than many phones still in use (iOS before 16.4), which ignore the button: the
  // pressed button (which says what to do: accept or decline, stop sharing) is added by hand.
  const formData = (form, submitter) => {
    const data = new FormData(form);
    if (submitter?.name) data.append(submitter.name, submitter.value);
    return data;
  };

  // Where the browser cannot say which button sent a form (event.submitter, iOS before 15.4), the one last pressed
  // says it: a tap, a key, and Enter in a field (which presses the form's first button) all click it. Left to the
  // browser, every answer would be an entry in the history for Back to bring up.
  let lastPressed = null;
  document.addEventListener('click', (event) => {
    const button = event.target.closest?.('button, input[type=submit], input[type=image]');
    lastPressed = button?.form && (button.type === 'submit' || button.type === 'image') ? button : null;
  }, { capture: true });

  // A form marked data-native (sign-out, which may go on to Entra ID's own sign-out) is left to the browser.
  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.hasAttribute('data-send') || form.hasAttribute('data-native')) return;
    const submitter = 'submitter' in event ? event.submitter : lastPressed?.form === form ? lastPressed : null;
    lastPressed = null;
    // A filter (a year, a report's months) is a move inside the portal like a link: it replaces the entry too.
    if (form.method.toLowerCase() === 'get') {
      event.preventDefault();
      const url = new URL(submitter?.getAttribute('formaction') || form.getAttribute('action') || location.pathname, location.href);
      url.search = new URLSearchParams(formData(form, submitter)).toString();
      location.replace(url.href);
      return;
    }
    if (form.method.toLowerCase() !== 'post') return;
    event.preventDefault();
    // A second tap while the first is on its way would send the same thing twice (an item added twice, say). The
    // form says it is busy, and a connection that hangs gives up in a minute rather than keep the form busy for ever.
    if (form.dataset.sending) return;
    form.dataset.sending = 'true';
    form.setAttribute('aria-busy', 'true');
    // As a browser posts a form with no action: to the page as it is, with its query (a year, a report's months).
    const action = submitter?.getAttribute('formaction') || form.getAttribute('action') || location.pathname + location.search;
    const sending = new AbortController();
    formsOnTheirWay.add(sending);
    const givingUp = setTimeout(() => sending.abort(), 60000);
    let response;
    let html;
    let drawn = false;
    try {
      try {
        try {
          response = await fetch(action, { method: 'POST', body: formData(form, submitter), credentials: 'same-origin', redirect: 'follow', signal: sending.signal });
        } catch {
          if (!left) banner('You seem to be offline, so this may not have been sent. When you are connected, reload the page to see.');
          return;
        }
        // Left while the answer was on its way: whatever it says (the sign-in page, the session being over) must not
        // take the phone anywhere but the neutral site.
        if (left) return;
        banner('');
        if (response.redirected) { drawn = true; location.replace(response.url); return; }
        try { html = await response.text(); } catch {
          if (!left) banner('The connection dropped before the answer came, so this may or may not have been saved. Reload the page to see.');
          return;
        }
      } finally {
        clearTimeout(givingUp);
        formsOnTheirWay.delete(sending);
      }
      if (left) return;
      // A failure on our side, or too much at once, leaves the form as it was, with what was typed in it, whatever the
      // answer is (a bare page, or none); a refusal (a page that has changed, one no longer theirs) is a page worth showing instead.
      if (response.status >= 500 || response.status === 429 || response.status === 413) {
        banner(response.status === 413 ? 'That was too much to send at once, so nothing was changed. Shorten it, then send it again. What you typed is still here.'
          : response.status === 429 ? 'There were many requests just now, so nothing was changed. What you typed is still here: send it again in a minute.'
          : 'Something went wrong on our side, so this may not have gone through. What you typed is still here: send it again in a moment.');
        return;
      }
      // A form the page no longer has (taken off by a change made elsewhere, as a flag resolved by someone else): the
      // server says the page has changed. This page stays, with what was typed in it to copy, and a way to the page as it is now.
      if (response.status === 400) {
        // So is a form of a session no longer the browser's (someone signed in over this page's in another tab): that
        // page goes, as it would once its live connection closed.
        const state = await sessionState();
        if (left || state === 'other') return;
        if (state === 'ended') { endSession(); return; }
        // Or by a change of what the person may see that came while it was on its way: the page goes, drawn as they may see it now.
        if (accessChangedMeanwhile) { redraw(); return; }
        const outcome = document.createElement('div');
        outcome.className = 'notice notice-problem';
        outcome.setAttribute('role', 'alert');
        outcome.tabIndex = -1;
        outcome.dataset.outcome = '';
        const again = document.createElement('a');
        again.href = location.pathname + location.search;
        again.textContent = 'open the page as it is now';
        outcome.append('This page changed while you were on it, so nothing was saved. What you typed is still here: copy it, then ', again, '.');
        document.querySelector('main [data-outcome]')?.remove();
        const heading = document.querySelector('main h1');
        if (heading) heading.after(outcome); else document.querySelector('main')?.prepend(outcome);
        quietFocus(outcome);
        return;
      }
      const next = new DOMParser().parseFromString(html, 'text/html');
      const main = next.querySelector('main');
      if (!main) {
        // A refusal that is no page (a form from a page too old to send) must not look like it went through.
        if (!response.ok) { banner('That did not go through, so nothing was changed. Reload the page, then try again.'); return; }
        drawn = true;
        location.replace(location.pathname + location.search);
        return;
      }
      drawn = true;
      page?.stop();
      document.querySelector('main').replaceWith(main);
      document.title = next.title;
      const answered = new URL(response.url);
      history.replaceState(null, '', answered.pathname + answered.search);
      quietFocus(main.querySelector('[data-outcome]') || main);
      start();
    } finally {
      // Busy until the answer is drawn or said: a second tap while a slow answer comes down would send it again, and
      // its answer ("someone else changed this") would replace the first one's.
      delete form.dataset.sending;
      form.removeAttribute('aria-busy');
      // An answer drawn is the page as the person may see it now. A failure that keeps what was typed (to send again)
      // keeps the change owed: the next answer is drawn anew, or, refused, the page goes.
      if (drawn) accessChangedMeanwhile = false;
    }
  });

  // ---- A small SignalR client (JSON protocol over WebSockets), signed in by the session cookie. ----
  class Hub {
    constructor(path) {
      this.path = path; this.calls = new Map(); this.nextId = 1; this.onclose = null; this.refused = null;
      // Said by the server just before it closes a connection it will not keep (too many open).
      this.handlers = { ConnectionRefused: (reason) => { this.refused = reason; } };
    }
    on(target, handler) { this.handlers[target] = handler; }
    start() {
      return new Promise((resolve, reject) => {
        const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
        // Opened in the session the page was drawn in, or refused ('other-session'): never as whoever signed in since.
        const drawnIn = drawnInSession();
        const socket = new WebSocket(`${scheme}//${location.host}${this.path}${drawnIn ? `?session=${encodeURIComponent(drawnIn)}` : ''}`);
        this.socket = socket;
        sockets.add(socket);
        let open = false;
        socket.onopen = () => socket.send(JSON.stringify({ protocol: 'json', version: 1 }) + RS);
        socket.onmessage = (message) => {
          for (const frame of String(message.data).split(RS)) {
            if (!frame) continue;
            const data = JSON.parse(frame);
            if (!open) {
              if (data.error) { reject(new Error(data.error)); socket.close(); return; }
              open = true;
              this.ping = setInterval(() => this.send({ type: 6 }), 15000);
              resolve();
              continue;
            }
            this.receive(data);
          }
        };
        socket.onclose = () => {
          sockets.delete(socket);
          clearInterval(this.ping);
          for (const [, call] of this.calls) call.reject(new Error('closed'));
          this.calls.clear();
          if (!open) reject(new Error('closed'));
          else this.onclose?.();
        };
      });
    }
    send(message) { if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message) + RS); }
    receive(data) {
      if (data.type === 1) this.handlers[data.target]?.(...(data.arguments || []));
      else if (data.type === 3) {
        const call = this.calls.get(data.invocationId);
        this.calls.delete(data.invocationId);
        if (!call) return;
        if (data.error) call.reject(new Error(data.error)); else call.resolve(data.result);
      } else if (data.type === 7) this.socket.close();
    }
    invoke(target, ...args) {
      if (this.socket?.readyState !== WebSocket.OPEN) return Promise.reject(new Error('closed'));
      const invocationId = String(this.nextId++);
      return new Promise((resolve, reject) => {
        this.calls.set(invocationId, { resolve, reject });
        this.send({ type: 1, invocationId, target, arguments: args });
      });
    }
    stop() { this.onclose = null; this.socket?.close(); }
    // Closes the connection as a lost one would be, so its owner connects again.
    drop() { this.socket?.close(); }
  }

  const lost = () => navigator.onLine
    ? 'Connection lost. Reconnecting…'
    : 'You are offline. Anything you send will go when you are back online.';

  // Keeps a hub connected: after a drop it waits a little longer each time, then calls ready() again. Refused for
  // having too many open, it says so, calls refused(), and tries again only now and then: a try at once would be
  // refused too, but others may have closed since, and a try is also what finds the session ended. The refusal comes
  // just after the handshake, so it is taken back only once a connection has been kept a moment: clearing it at the
  // handshake would blank the banner and have it read out again at every try.
  function keepConnected(path, setup, ready, refused) {
    let hub = null;
    let stopped = false;
    let attempt = 0;
    let timer = null;
    let steady = null;
    let kept = null;
    let quiet = null;
    const connect = async () => {
      timer = null;
      if (stopped) return;
      const current = new Hub(path);
      hub = current;
      setup(current);
      // The server also closes a connection when the session it was opened with ends; a session kept alive since then
      // opens a new one at once, so the banner waits a moment for the reconnection.
      current.onclose = () => {
        clearTimeout(steady);
        clearTimeout(kept);
        clearTimeout(quiet);
        if (current.refused === 'other-session') { leaveForOtherSession(); return; }
        if (current.refused === 'too-many-connections') {
          refusedHubs.add(path);
          banner('');
          refused?.();
          if (!stopped && !timer) timer = setTimeout(connect, 30000);
          return;
        }
        quiet = setTimeout(() => banner(lost()), 2000);
        // Closed because the page's session ended: the connection opened next would be the browser's session now, which
        // may be someone else's (signed in over it), so the page asks which it is before opening one.
        sessionState().then(() => { if (!left) retry(); });
      };
      try {
        await current.start();
        // The wait starts short again only once a connection has held: one the server keeps closing is retried ever less often.
        steady = setTimeout(() => { attempt = 0; }, 10000);
        kept = setTimeout(() => { if (refusedHubs.delete(path)) banner(''); }, 3000);
        clearTimeout(quiet);
        banner('');
        await ready(current);
      } catch {
        clearTimeout(steady);
        clearTimeout(kept);
        // Refused after the handshake: its close has said so and set the next try.
        if (stopped || current.refused) return;
        if (await sessionEnded()) { stopped = true; endSession(); return; }
        if (stopped) return;
        banner(lost());
        retry();
      }
    };
    const retry = () => { if (!stopped && !timer) timer = setTimeout(connect, navigator.onLine ? Math.min(10000, 500 * 2 ** attempt++) : 60000); };
    connect();
    return {
      stop() { stopped = true; clearTimeout(quiet); clearTimeout(steady); clearTimeout(kept); hub?.stop(); },
      // Back online: try at once rather than after the longest wait.
      now() { if (timer) { clearTimeout(timer); timer = null; attempt = 0; connect(); } },
      get hub() { return hub; },
    };
  }

  // A change of what the person may see that came while a form was on its way (see the form's answer, above).
  let accessChangedMeanwhile = false;
  function redraw() {
    if (left) return;
    if (formsOnTheirWay.size > 0) { accessChangedMeanwhile = true; return; }
    accessChangedMeanwhile = false;
    clear();
    const address = new URLSearchParams(window.location.search);
    address.set('redrawn-idle', String(Math.max(0, Date.now() - lastActive)));
    window.location.replace(`${window.location.pathname}?${address}`);
  }

  // What a page shows only until a set time (records another agency shares, until the youth's consent or the
  // partnership runs out) goes then, and the page is drawn again as the person may see it now. Kept as a moment, not a
  // wait: a timer stops while a computer sleeps, so the page looks again when it is shown, and a form on its way when
  // the moment comes puts it off a second, not for good.
  let redrawAt = 0;
  let redrawTimer = null;
  function redrawWhenDue() {
    const due = Number(document.querySelector('main [data-redraw-in]')?.dataset.redrawIn);
    redrawAt = due >= 0 ? Date.now() + due : 0;
    redrawIfDue();
  }
  function redrawIfDue() {
    clearTimeout(redrawTimer);
    if (!redrawAt || left) return;
    const remaining = redrawAt - Date.now();
    if (remaining > 0) redrawTimer = setTimeout(redrawIfDue, Math.min(remaining, 2147483647));
    else if (formsOnTheirWay.size > 0) redrawTimer = setTimeout(redrawIfDue, 1000);
    else redraw();
  }
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') redrawIfDue(); });

  // ---- Notices: pushed live to every signed-in page. ----
  function startNotices() {
    if (notices || !document.querySelector('nav[aria-label="Main"]')) return;
    notices = keepConnected('/hubs/notifications', (hub) => {
      // What the person may see has shrunk (a role taken away, a youth handed on): what the page shows goes at once, and
      // it is drawn again as they may see it now.
      // A page with a form on its way is the one the change was made from, or one whose answer is about to be drawn as
      // the person may see it now: it keeps that answer, and without one is drawn again once the form is done.
      hub.on('AccessChanged', redraw);
      listenForNotices(hub);
    }, async () => {});
  }

  function listenForNotices(hub) {
    hub.on('NotificationReceived', (notice) => {
      toast(document.querySelector('nav[data-discreet-notices]') ? 'You have a new notice.' : `New notice: ${notice.text}`);
      const list = document.querySelector('[data-notices]');
      if (list) {
        // As the page draws a new one: its words, when, and the button that marks it read (the list is in that form).
        const item = document.createElement('li');
        item.className = 'card';
        item.dataset.noticeId = notice.id;
        const words = document.createElement('p');
        words.id = `notice-${notice.id}`;
        words.textContent = notice.text;
        const when = document.createElement('p');
        when.className = 'hint';
        when.textContent = 'Just now · New';
        const read = document.createElement('button');
        read.type = 'submit';
        read.className = 'link-button';
        read.name = 'Id';
        // With when it was sent, so one sent again before the click is not marked read unseen.
        read.value = `${notice.id} ${Date.parse(notice.at)}`;
        read.textContent = 'Mark as read';
        read.setAttribute('aria-describedby', words.id);
        item.append(words, when, read);
        // A notice that stands for many comes back under its own id: it moves to the top rather than showing twice.
        [...list.children].find((shown) => shown.dataset.noticeId === notice.id)?.remove();
        list.prepend(item);
        document.querySelector('[data-notices] ~ [data-empty]')?.remove();
      }
    });
  }

  // ---- Chat: live, with sending / sent / held states, catch-up by sequence and no doubled message. ----
  function startChat(root) {
    const id = root.dataset.conversation;
    const log = root.querySelector('[data-log]');
    const form = root.querySelector('[data-send]');
    const status = root.querySelector('[data-chat-status]');
    const earlierButton = root.querySelector('[data-earlier]');
    const seen = new Map();
    const pending = new Map();
    let me = null;
    let last = 0;
    let first = 0;
    let flaggedShown = !root.dataset.flagged;

    const words = { Held: 'Held for review', Delivered: 'Sent', Rejected: 'Not delivered' };
    const readerWords = { Held: 'Held for review', Rejected: 'Kept back, not delivered' };
    const render = (message) => {
      // A released message arrives as a new one; the held one it delivers goes. A case manager's page is told which one
      // without its words, which come to a page showing the chat as any new message.
      if (message.releasedFrom) {
        seen.get(message.releasedFrom)?.remove();
        seen.delete(message.releasedFrom);
        if (!message.text) return;
      }
      // A message of ours pushed to another of our connections (this page's, after a reconnect) comes without its id:
      // the waiting copy with its words is the one it answers.
      const waiting = message.clientMessageId ? message.clientMessageId
        : message.senderRole === me ? [...pending.entries()].find(([, entry]) => entry.text === message.text)?.[0] : undefined;
      let item = seen.get(message.sequence) || (waiting && pending.get(waiting)?.item);
      if (!item) {
        item = document.createElement('li');
        const text = document.createElement('span');
        text.className = 'text';
        const meta = document.createElement('span');
        meta.className = 'meta';
        item.append(text, meta);
      }
      // In number order, also for a message of ours that waited at the end while an earlier one was fetched.
      insert(item, message.sequence);
      item.dataset.sequence = message.sequence;
      item.className = message.senderRole === 'system' ? 'system' : message.senderRole === me ? 'mine' : 'theirs';
      item.querySelector('.text').textContent = message.text;
      const who = message.senderRole === me ? 'You' : message.senderRole === 'system' ? '' : message.senderRole;
      // Only the case manager sees others' held or kept-back messages: each is marked, so none reads as delivered.
      // The message a flag is about, opened from the flag queue: marked in words (and brought into view once loaded).
      const flagged = root.dataset.flagged && (String(message.sequence) === root.dataset.flagged || String(message.releasedFrom) === root.dataset.flagged);
      item.querySelector('.meta').textContent = [who, message.senderRole === me ? words[message.status] : readerWords[message.status], flagged && 'The flagged message'].filter(Boolean).join(' · ');
      if (flagged) item.classList.add('flagged');
      item.dataset.status = message.status;
      seen.set(message.sequence, item);
      if (waiting) { clearTimeout(pending.get(waiting)?.timer); pending.delete(waiting); }
      last = Math.max(last, message.sequence);
      first = first ? Math.min(first, message.sequence) : message.sequence;
    };
    const insert = (item, sequence) => {
      const after = [...log.children].find((li) => li.dataset.sequence && Number(li.dataset.sequence) > sequence);
      log.insertBefore(item, after || null);
      if (!after) log.scrollTop = log.scrollHeight;
    };
    // The latest page first; earlier ones on asking, or until the message a flag is about is on the page. Messages
    // before the first one shown that this reader may not see (held for review) are skipped over, not asked for again.
    const historyPage = 50;
    const showHistory = (page) => {
      (page || []).slice().sort((a, b) => a.sequence - b.sequence).forEach(render);
      earlierButton.hidden = !page || page.length === 0 || first <= 1;
    };
    // Messages already written are put on the page without a screen reader reading each out; new ones are read. The
    // region is made polite again only after the browser has taken in what was added (it does so after the task).
    const quietly = async (work) => {
      log.setAttribute('aria-live', 'off');
      try { return await work(); } finally {
        await new Promise((resolve) => setTimeout(resolve, 250));
        log.setAttribute('aria-live', 'polite');
      }
    };
    // The latest page, unless the chat was cleared from the page while it was on its way (see forget).
    // While the latest page loads, nothing is shown yet: a message arriving then is fetched by the catch-up that always
    // follows, rather than read as a gap after message 0, which would fetch the whole chat from its start.
    let loadingLatest = false;
    const showLatest = async (hub) => {
      const asked = cleared;
      loadingLatest = true;
      try {
        const page = await hub.invoke('History', id, null, historyPage);
        if (asked === cleared) showHistory(page.value);
      } finally {
        loadingLatest = false;
      }
    };
    const loadEarlier = (hub) => quietly(async () => {
      // Kept where the reader was: what comes in above does not push the messages they are reading away.
      const fromBottom = log.scrollHeight - log.scrollTop;
      const asked = cleared;
      const page = await hub.invoke('History', id, first || null, historyPage);
      if (asked !== cleared) return false;
      if (page.error && gone.has(page.error.code)) forget(page.error.message);
      if (!page.error) showHistory(page.value);
      log.scrollTop = log.scrollHeight - fromBottom;
      return !page.error && page.value.length > 0;
    });
    const bringFlaggedIntoView = async (hub) => {
      const wanted = Number(root.dataset.flagged);
      while (!log.querySelector('li.flagged') && first > 1 && wanted < first && await loadEarlier(hub)) { /* one page at a time */ }
      log.querySelector('li.flagged')?.scrollIntoView({ block: 'center' });
    };
    // Not disabled while it loads: a disabled button drops the keyboard focus of whoever pressed it.
    let loadingEarlier = false;
    earlierButton.addEventListener('click', async () => {
      if (!connection.hub || loadingEarlier) return;
      loadingEarlier = true;
      earlierButton.setAttribute('aria-disabled', 'true');
      try { await loadEarlier(connection.hub); } finally { loadingEarlier = false; earlierButton.removeAttribute('aria-disabled'); }
      // At the start of the chat the button goes; the reader is left in the messages, not at the top of the page.
      if (earlierButton.hidden) quietFocus(log, { preventScroll: true });
    });
    // Once the chat is not theirs to read (a handover, a withdrawn consent), what the page shows of it goes too.
    const gone = new Set(['not-found', 'not-allowed']);
    let forgotten = false;
    // How many times the chat was cleared from the page: an answer asked for before the last time (messages read before
    // the chat stopped being theirs) is not shown after it.
    let cleared = 0;
    const forget = (reason) => {
      forgotten = true;
      cleared++;
      log.textContent = '';
      seen.clear();
      last = 0;
      first = 0;
      earlierButton.hidden = true;
      pending.forEach((entry) => clearTimeout(entry.timer));
      pending.clear();
      setCanSend(false, reason);
    };
    // Set when the keyboard's place was moved to the reason, so it goes back to the box when writing is possible again.
    let movedToReason = false;
    const setCanSend = (canSend, reason, forNow = false) => {
      // A box or button switched off while in use drops the keyboard's place to the top of the page: it goes to why,
      // unless this passes by itself (a join tried again), when the box stays on and the place stays where it is.
      const inUse = !canSend && !forNow && form?.contains(document.activeElement);
      if (form) {
        // Writing may go on while it passes; only sending waits.
        form.querySelector('textarea').disabled = !canSend && !forNow;
        form.querySelector('button').disabled = !canSend;
        if (canSend && movedToReason && document.activeElement === status) quietFocus(form.querySelector('textarea'));
      }
      movedToReason = inUse || (movedToReason && !canSend);
      status.textContent = canSend ? '' : reason || 'This chat is closed for now.';
      if (inUse) {
        status.setAttribute('tabindex', '-1');
        quietFocus(status);
      }
      // A youth who cannot write here still has somewhere to turn: the lines show (without taking them there).
      if (!canSend && me === 'youth') root.querySelector('[data-crisis-now]')?.removeAttribute('hidden');
    };
    // Answers that pass with time, unlike a refusal: the store was busy, or too much at once. An unexpected failure may
    // not pass, so it is tried a few times only.
    const passing = new Set(['unavailable', 'rate-limited']);
    const worthAnotherTry = (code, tries) => passing.has(code) || (code === 'failed' && tries < 3);
    let joinFailures = 0;
    const offerRetry = (clientMessageId, entry, message) => {
      entry.item.dataset.status = 'refused';
      const meta = entry.item.querySelector('.meta');
      meta.textContent = `Not sent: ${message} `;
      const again = document.createElement('button');
      again.type = 'button';
      again.className = 'link-button';
      again.textContent = 'Try again';
      // The same id again: if the first try was stored after all, it is not stored twice.
      again.addEventListener('click', () => {
        entry.tries = 0;
        entry.item.dataset.status = 'sending';
        // The button goes with the words it sits in: the keyboard's place goes back to the message box, not the page's top.
        quietFocus(form?.querySelector('textarea'));
        meta.textContent = 'You · Sending…';
        if (connection.hub) sendPending(connection.hub, clientMessageId);
      });
      meta.append(again);
    };
    const sendPending = async (hub, clientMessageId) => {
      const entry = pending.get(clientMessageId);
      if (!entry) return;
      let reply;
      try { reply = await hub.invoke('Send', id, clientMessageId, entry.text); } catch { return; }
      // Words of someone in danger bring the crisis lines, also while they are still being tried again.
      if (reply.error?.crisisResources?.length) showCrisisLines();
      if (reply.error && reply.error.code === 'failed' && !worthAnotherTry(reply.error.code, entry.tries || 0)) {
        offerRetry(clientMessageId, entry, reply.error.message);
        return;
      }
      if (reply.error && worthAnotherTry(reply.error.code, entry.tries || 0)) {
        // Whether it was stored is not known: the same id again is stored once, so it is tried again until it is.
        entry.tries = (entry.tries || 0) + 1;
        entry.item.querySelector('.meta').textContent = 'You · Not sent yet, trying again…';
        clearTimeout(entry.timer);
        entry.timer = setTimeout(() => { if (connection.hub) sendPending(connection.hub, clientMessageId); }, Math.min(30000, 1000 * 2 ** entry.tries));
        return;
      }
      if (reply.error) {
        pending.delete(clientMessageId);
        entry.item.dataset.status = 'refused';
        entry.item.querySelector('.meta').textContent = `Not sent: ${reply.error.message}`;
        if (reply.error.code === 'cannot-send' || reply.error.code === 'not-allowed') setCanSend(false, reply.error.message);
        return;
      }
      // A number past the next one means a message before ours never arrived live: fetch it before showing ours.
      if (reply.value.message.sequence > last + 1) await catchUp(hub);
      render(reply.value.message);
      if (reply.value.notice) status.textContent = reply.value.notice;
      if (reply.value.crisisResources?.length) showCrisisLines();
    };
    // The lines are on the page already (this deployment's own); they are shown, and the person is taken to them.
    const showCrisisLines = () => {
      const lines = root.querySelector('[data-crisis-now]');
      // Shown once, and the person taken to them once: a send tried again does not pull them back each time.
      if (!lines || !lines.hidden) return;
      lines.hidden = false;
      quietFocus(lines.querySelector('h3'));
    };

    const connection = keepConnected('/hubs/chat', (hub) => {
      hub.on('MessageReceived', async (message) => {
        if (message.conversationId !== id || loadingLatest) return;
        if (message.sequence > last + 1) await catchUp(hub); else render(message);
      });
      hub.on('ConversationStatusChanged', async (change) => {
        if (change.conversationId !== id) return;
        if (change.readable === false) { forget(change.reason); return; }
        setCanSend(change.canSend, change.reason);
        // Readable again (a hold lifted, consent given again): what was cleared comes back.
        if (forgotten) {
          forgotten = false;
          await quietly(async () => {
            await showLatest(hub);
            await catchUp(hub);
          });
        } else if (change.canSend && last > 0) {
          // Back in the conversation (a resume, say): what was written while this page was out of it is fetched now,
          // not only when the next message shows a gap. A page still loading its history gets it with that.
          await catchUp(hub);
        }
      });
    }, async (hub) => {
      const joined = await hub.invoke('Join', id);
      if (joined.error && gone.has(joined.error.code)) { forget(joined.error.message); return; }
      if (joined.error) {
        setCanSend(false, joined.error.message, worthAnotherTry(joined.error.code, joinFailures));
        // A join that failed for now left this page outside the chat: connect again (ever less often) to rejoin.
        if (worthAnotherTry(joined.error.code, joinFailures++)) hub.drop();
        return;
      }
      joinFailures = 0;
      me = joined.value.role;
      setCanSend(joined.value.canSend, joined.value.cannotSendReason);
      if (last === 0) {
        await quietly(async () => {
          await showLatest(hub);
          await catchUp(hub);
        });
      } else {
        await catchUp(hub);
      }
      if (!flaggedShown) {
        flaggedShown = true;
        await bringFlaggedIntoView(hub);
      }
      for (const clientMessageId of [...pending.keys()]) await sendPending(hub, clientMessageId);
    }, () => setCanSend(false, 'This chat is open on too many pages or devices. Close some, then reload this page to write here.'));
    // Messages missed while away (a crisis message among them, perhaps) are fetched until they are: a catch-up refused
    // for now is tried again, ever less often, and the page says meanwhile that some may not be showing.
    let catchUpTries = 0;
    let catchUpTimer;
    const missingWords = 'Some messages may not be showing yet. Trying again…';
    const notLoadedWords = 'Some messages could not be loaded. Reload the page to see them.';
    const catchUp = async (hub) => {
      for (;;) {
        const asked = cleared;
        const page = await hub.invoke('Since', id, last);
        if (asked !== cleared) return;
        if (page.error && gone.has(page.error.code)) forget(page.error.message);
        if (page.error && !gone.has(page.error.code)) {
          const again = worthAnotherTry(page.error.code, catchUpTries);
          // Whatever else the status says (a held message, why sending is off) is left as it is.
          if (!status.textContent || status.textContent === missingWords) {
            status.textContent = again ? missingWords : notLoadedWords;
          }
          if (again) {
            clearTimeout(catchUpTimer);
            catchUpTimer = setTimeout(() => { if (connection.hub) catchUp(connection.hub).catch(() => {}); }, Math.min(30000, 1000 * 2 ** catchUpTries++));
          }
        }
        if (page.error) return;
        if (catchUpTries > 0) {
          catchUpTries = 0;
          if (status.textContent === missingWords || status.textContent === notLoadedWords) status.textContent = '';
        }
        page.value.messages.forEach(render);
        last = Math.max(last, page.value.through);
        if (!page.value.more) return;
      }
    };

    if (form) form.querySelector('button').disabled = false;
    status.textContent = '';
    form?.addEventListener('submit', async (event) => {
      event.preventDefault();
      event.stopImmediatePropagation();
      const box = form.querySelector('textarea');
      const text = box.value.trim();
      if (!text) return;
      const clientMessageId = newMessageId();
      box.value = '';
      const item = document.createElement('li');
      item.className = 'mine';
      item.dataset.status = 'sending';
      const body = document.createElement('span');
      body.className = 'text';
      body.textContent = text;
      const meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = 'You · Sending…';
      item.append(body, meta);
      log.append(item);
      log.scrollTop = log.scrollHeight;
      pending.set(clientMessageId, { text, item });
      if (connection.hub) await sendPending(connection.hub, clientMessageId);
    }, true);
    return connection;
  }

  // An instant as the rows the server drew show it: on the agency's clock, labelled with it.
  // Month names are the server's own (a browser's may say "Sept").
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  // A browser that does not know the agency's zone shows UTC, labelled so, rather than dropping the flag.
  function agencyTime(root, at) {
    const format = (timeZone, label) => {
      const part = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
        timeZone, day: 'numeric', month: 'numeric', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
      }).formatToParts(new Date(at)).map((p) => [p.type, p.value]));
      return `${Number(part.day)} ${months[Number(part.month) - 1]} ${part.year}, ${part.hour}:${part.minute} ${label}`;
    };
    try { return format(root.dataset.zone, root.dataset.zoneLabel); } catch { return format('UTC', 'UTC'); }
  }

  // ---- Flag queue: a new flag appears at once, urgent ones marked. ----
  function startFlags(root) {
    const body = root.querySelector('tbody');
    return keepConnected('/hubs/chat', (hub) => hub.on('FlagRaised', (flag) => {
      if (root.querySelector(`[data-flag="${CSS.escape(flag.id)}"]`)) return;
      const row = document.createElement('tr');
      row.dataset.flag = flag.id;
      row.dataset.urgent = String(flag.urgent);
      const cells = [flag.urgent ? 'Urgent' : 'Review', flag.youthName || '', (flag.found || flag.kinds).join(', '), flag.notSent ? 'Not sent: the chat was stopped, and the words were not kept' : flag.held ? 'Held for review' : 'Delivered', flag.senderRole, agencyTime(root, flag.raisedAt), 'Reload to act on it'];
      for (const text of cells) { const td = document.createElement('td'); td.textContent = text; row.append(td); }
      if (flag.urgent) row.firstChild.className = 'urgent';
      body.prepend(row);
      document.querySelector('[data-flags] ~ [data-empty]')?.remove();
      toast(flag.urgent ? 'New urgent flag' : 'New flag');
    }), async () => {});
  }

  // The browser knows first when the network goes: say so calmly, and reconnect the moment it is back.
  window.addEventListener('offline', () => {
    for (const socket of sockets) socket.close();
    banner(lost());
  });
  window.addEventListener('online', () => { banner(''); page?.now(); notices?.now(); });

  // ---- Field errors: each field a refusal names is marked invalid, and the refusal lists them, each a link to its field. ----
  function markFieldErrors() {
    const errors = [...document.querySelectorAll('main .field-error[id]')];
    const summary = [];
    for (const error of errors) {
      const fields = [...document.querySelectorAll('main [aria-describedby]')]
        .filter((field) => field.getAttribute('aria-describedby').split(/\s+/).includes(error.id));
      for (const field of fields) field.setAttribute('aria-invalid', 'true');
      // A group of choices (a question's answers) has no field of its own: the link goes to its first choice, named by
      // the question, so a reader hears which question wants an answer.
      const target = fields.find((field) => field.id && field.type !== 'hidden' && !field.disabled)
        ?? fields.find((field) => (field.type === 'radio' || field.type === 'checkbox') && !field.disabled);
      if (!target) continue;
      if (!target.id) target.id = `${error.id}-field`;
      const legend = target.type === 'radio' || target.type === 'checkbox' ? target.closest('fieldset')?.querySelector('legend')?.textContent.trim() : '';
      const text = error.textContent.replace(/^\s*Error:\s*/, '').trim();
      summary.push({ id: target.id, text: legend ? `${legend.replace(/[.:]\s*$/, '')}: ${text}` : text });
    }
    const outcome = document.querySelector('main [data-outcome].notice-problem');
    if (!outcome || summary.length === 0 || outcome.querySelector('[data-error-summary]')) return;
    const list = document.createElement('ul');
    list.dataset.errorSummary = '';
    for (const { id, text } of summary) {
      const link = document.createElement('a');
      link.href = `#${id}`;
      link.textContent = text;
      // The link moves focus to the field itself, and leaves no entry behind in the history.
      link.addEventListener('click', (event) => { event.preventDefault(); quietFocus(document.getElementById(id)); });
      const item = document.createElement('li');
      item.append(link);
      list.append(item);
    }
    outcome.append(list);
  }

  function start() {
    markFieldErrors();
    const chat = document.querySelector('[data-chat]');
    const flags = document.querySelector('[data-flags]');
    const live = chat ? startChat(chat) : flags ? startFlags(flags) : null;
    page = live;
    startNotices();
    redrawWhenDue();
  }

  start();
})();
