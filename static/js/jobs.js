// Live job progress for the job page and the history page, and the copy-magnet button.
//
// Events come from the /ws/torrent-progress socket ({job, state, phase, percentage, progress,
// etaS, waiting, error, ...}). When the socket closes it reconnects with back-off; meanwhile the
// job page asks POST /api/torrentcreator/progress/<id> every 2 s.
(() => {
  const TERMINAL = new Set(["completed", "failed", "cancelled"]);
  const PHASES = ["scanning", "hashing", "finalizing"];
  const POLL_EVERY_MS = 2000;
  const FIRST_RETRY_MS = 1000;
  const LAST_RETRY_MS = 30000;
  const CLOSE_NOT_AUTHENTICATED = 4401; // creator/consumers.py

  function stateLabels() {
    const script = document.getElementById("job-state-labels");
    return script ? JSON.parse(script.textContent) : {};
  }

  function csrfToken() {
    try {
      const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (error) {
      // fall through to the cookie
    }
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Opens the progress socket and keeps it open; `poll` (optional) stands in while it is closed.
  function watchProgress({ onEvent, onStatus = () => {}, poll = null }) {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${scheme}//${location.host}/ws/torrent-progress`;
    let socket = null;
    let retryMs = FIRST_RETRY_MS;
    let refusedOnce = false; // a 4401 after the socket was open: see closed()
    let reconnectTimer = null;
    let pollTimer = null;
    let stopped = false;

    const pollOnce = () => {
      if (!poll || stopped) return;
      poll()
        .then((event) => event && !stopped && onEvent(event))
        .catch(() => {}); // the server is down too: the next tick tries again
    };
    const startPolling = () => {
      if (!poll || pollTimer) return;
      pollOnce();
      pollTimer = setInterval(pollOnce, POLL_EVERY_MS);
    };
    const stopPolling = () => {
      clearInterval(pollTimer);
      pollTimer = null;
    };

    function connect() {
      if (stopped) return;
      try {
        socket = new WebSocket(url);
      } catch (error) {
        closed(0);
        return;
      }
      socket.addEventListener("open", () => {
        retryMs = FIRST_RETRY_MS;
        refusedOnce = false;
        stopPolling();
        onStatus("live");
        pollOnce(); // what changed before the socket opened is not sent again
      });
      socket.addEventListener("message", (message) => {
        let event;
        try {
          event = JSON.parse(message.data);
        } catch (error) {
          return;
        }
        if (!stopped) onEvent(event);
      });
      socket.addEventListener("close", (event) => closed(event.code));
    }

    function closed(code) {
      socket = null;
      if (stopped) return;
      if (code === CLOSE_NOT_AUTHENTICATED) {
        if (refusedOnce) {
          onStatus("logged-out");
          return;
        }
        // Asked once more at once: a session that changed its key (a password change) is
        // still logged in, and the new socket carries the new cookie.
        refusedOnce = true;
        reconnectTimer = setTimeout(connect, 0);
        return;
      }
      onStatus("reconnecting");
      startPolling();
      reconnectTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, LAST_RETRY_MS);
    }

    connect();
    return {
      stop() {
        stopped = true;
        stopPolling();
        clearTimeout(reconnectTimer);
        if (socket) socket.close();
      },
    };
  }

  // --- the job page ------------------------------------------------------------------------

  // How full each of the three segments is; creator/templatetags/job_display.py does the same.
  function segmentFills(state, progress) {
    if (state === "completed") return [100, 100, 100];
    if (STOPPED.has(state)) return [progress > 0 ? 100 : 0, progress, 0];
    if (state === "hashing") return [100, progress, 0];
    if (state === "finalizing") return [100, 100, 50];
    return [state === "submitted" ? 50 : 0, 0, 0];
  }

  // 125 -> "2 min 5 s"; the `duration` template filter's twin.
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds < 60) return `${seconds} s`;
    let minutes = Math.floor(seconds / 60);
    const rest = seconds % 60;
    if (minutes < 60) return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    minutes %= 60;
    return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
  }

  const CONNECTION_WORDS = {
    live: "Live",
    reconnecting: "Reconnecting…",
    "logged-out": "Log in again to see live progress",
  };

  const STOPPED = new Set(["failed", "cancelled"]);

  function showState(badge, state) {
    badge.textContent = stateLabels()[state] || state;
    badge.className = `state-badge state-${state}`;
  }

  // A stopped job's percentage says nothing (its bar shows how far hashing came): words instead.
  function percentWords(event) {
    return STOPPED.has(event.state) ? "Stopped" : `${Math.round(event.percentage)}%`;
  }

  function showJobProgress(detail, event) {
    const label = stateLabels()[event.state] || event.state;
    const stopped = STOPPED.has(event.state);
    const bar = detail.querySelector("[role=progressbar]");
    bar.setAttribute("aria-valuenow", String(event.percentage));
    bar.setAttribute("aria-valuetext", stopped ? label : `${label}, ${percentWords(event)}`);
    bar.classList.toggle("is-stopped", stopped);
    const fills = segmentFills(event.state, event.progress);
    PHASES.forEach((phase, index) => {
      const segment = bar.querySelector(`[data-phase=${phase}]`);
      segment.querySelector(".phase-fill").style.width = `${fills[index]}%`;
      segment.classList.toggle("is-current", event.phase === phase);
    });
    detail.dataset.state = event.state;
    showState(detail.querySelector("[data-live=state]"), event.state);
    detail.querySelector("[data-live=percentage]").textContent = percentWords(event);
    const eta = detail.querySelector("[data-live=eta]");
    eta.textContent = event.etaS !== null && event.etaS !== undefined ? `about ${duration(event.etaS)} left` : "";
    const waiting = detail.querySelector("[data-live=waiting]");
    waiting.textContent = event.waiting || "";
    waiting.hidden = !event.waiting;
    const file = detail.querySelector("[data-live=current-file]");
    file.querySelector("code").textContent = event.currentFile || "";
    file.hidden = !event.currentFile;
    const leave = detail.querySelector("[data-live=leave-note]");
    if (leave) leave.hidden = TERMINAL.has(event.state);
  }

  // Swaps in the finished job's page part: its result, error and buttons.
  function refreshDetail(detail) {
    const hadFocus = detail.contains(document.activeElement);
    htmx
      .ajax("GET", detail.dataset.detailUrl, { target: "#job-detail", swap: "outerHTML" })
      .then(() => {
        // The focused button may be gone: keyboard users continue from the job's title.
        const title = document.getElementById("job-title");
        if (hadFocus && title) title.focus();
      });
  }

  function jobPage(detail) {
    const jobId = Number(detail.dataset.job);
    const progressUrl = detail.dataset.progressUrl;
    const current = () => document.getElementById("job-detail");
    const poll = () =>
      fetch(progressUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      }).then((response) => (response.ok ? response.json() : null));
    const watcher = watchProgress({
      poll,
      onStatus(status) {
        const words = current().querySelector("[data-live=connection]");
        if (words) words.textContent = CONNECTION_WORDS[status] || "";
        current().dataset.connection = status;
      },
      onEvent(event) {
        if (event.job !== jobId || current().dataset.finished === "true") return;
        showJobProgress(current(), event);
        if (TERMINAL.has(event.state)) {
          current().dataset.finished = "true";
          watcher.stop();
          refreshDetail(current());
        }
      },
    });
  }

  // --- the history page --------------------------------------------------------------------

  function showRowProgress(row, event) {
    showState(row.querySelector("[data-live=state]"), event.state);
    const bar = row.querySelector("[data-live=progress]");
    bar.value = event.percentage;
    bar.hidden = STOPPED.has(event.state);
    row.querySelector("[data-live=percentage]").textContent = percentWords(event);
    const wasFinished = TERMINAL.has(row.dataset.state);
    row.dataset.state = event.state;
    if (TERMINAL.has(event.state) && !wasFinished) {
      // Its size and name are known now: fetch the whole row again.
      htmx.ajax("GET", row.dataset.rowUrl, { target: `#${row.id}`, swap: "outerHTML" });
    }
  }

  function tableUrl() {
    const table = document.getElementById("job-table");
    return table.dataset.tableUrl + location.search;
  }

  function historyPage() {
    const notice = document.getElementById("new-jobs");
    notice.querySelector("[data-refresh-jobs]").addEventListener("click", () => {
      notice.hidden = true;
      htmx.ajax("GET", tableUrl(), { target: "#job-table", swap: "outerHTML" });
    });
    const connection = document.getElementById("jobs-connection");
    watchProgress({
      onStatus(status) {
        connection.textContent = CONNECTION_WORDS[status] || "";
        connection.dataset.connection = status;
      },
      onEvent(event) {
        const row = document.getElementById(`job-row-${event.job}`);
        if (row) {
          showRowProgress(row, event);
          return;
        }
        const latest = Number(document.getElementById("job-table").dataset.latestJob || 0);
        if (event.job > latest) notice.hidden = false;
      },
    });
  }

  // After a sort or page link swaps the table, keyboard users stay on the link they used.
  let focusKey = null;
  document.addEventListener("htmx:beforeRequest", () => {
    const focused = document.activeElement;
    focusKey = focused && focused.dataset ? focused.dataset.focusKey || null : null;
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    const table = document.getElementById("job-table");
    if (!table || event.detail.elt !== table || !focusKey) return;
    const again = table.querySelector(`[data-focus-key="${focusKey}"]`);
    (again || table.querySelector(".table-summary")).focus();
    focusKey = null;
  });

  document.addEventListener("DOMContentLoaded", () => {
    const detail = document.getElementById("job-detail");
    if (detail && detail.dataset.finished !== "true") jobPage(detail);
    if (document.getElementById("job-table")) historyPage();
  });

  // --- copying a magnet link (Alpine: the "Copied" state never leaves the page) ----------------

  document.addEventListener("alpine:init", () => {
    Alpine.data("copyText", () => ({
      copied: false,
      timer: null,
      async copy() {
        const input = this.$refs.text;
        try {
          await navigator.clipboard.writeText(input.value);
        } catch (error) {
          // No Clipboard API outside secure contexts (plain http on a LAN address).
          input.select();
          if (!document.execCommand("copy")) return;
        }
        this.copied = true;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          this.copied = false;
        }, 3000);
      },
    }));
  });
})();
