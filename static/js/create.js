// The creator page: the chosen source, the tracker tier editor, and refusals shown in place.
//
// Everything here is state that stays on the page (Alpine); what the values mean (checks, piece
// counts, the summary) comes from the server as HTMX partials.

// Tiers from text, as presets/trackers.py parse_tiers reads them: one URL a line, blank lines
// between tiers, spaces around a URL dropped.
function parseTiers(text) {
  const tiers = [];
  let current = [];
  for (const line of text.split(/\r?\n/)) {
    const url = line.trim();
    if (url) {
      current.push(url);
    } else if (current.length) {
      tiers.push(current);
      current = [];
    }
  }
  if (current.length) tiers.push(current);
  return tiers;
}

let nextId = 1;
const newRow = (url = "") => ({ id: nextId++, url });
const newTier = (urls = []) => ({ id: nextId++, urls: urls.map(newRow) });

document.addEventListener("alpine:init", () => {
  Alpine.data("creator", () => ({
    // The picker chose a folder or a file: it becomes the form's source.
    choose({ path, instance }) {
      const pathInput = document.getElementById("id_path");
      const instanceInput = document.getElementById("id_instance");
      const otherInstance = instanceInput.value !== String(instance);
      pathInput.value = path;
      instanceInput.value = instance;
      pathInput.dispatchEvent(new Event("change", { bubbles: true }));
      if (otherInstance) document.body.dispatchEvent(new CustomEvent("instance-changed"));
    },
  }));

  Alpine.data("trackerEditor", () => ({
    tiers: [],
    textMode: false,
    verdicts: [], // from #link-checks: one per non-empty URL, in order
    dragging: null, // {t, i} of the URL being dragged
    dropAt: null, // {t, i} where it would land
    announcement: "",

    init() {
      this.load(this.$refs.text.value);
      this.readChecks();
      this.onSettle = (event) => {
        if (event.detail.target && event.detail.target.id === "link-checks") this.readChecks();
      };
      document.body.addEventListener("htmx:afterSettle", this.onSettle);
    },
    destroy() {
      document.body.removeEventListener("htmx:afterSettle", this.onSettle);
    },

    load(text) {
      this.tiers = parseTiers(text).map(newTier);
      if (!this.tiers.length) this.tiers = [newTier([""])];
    },
    text() {
      return this.tiers
        .map((tier) => tier.urls.map((row) => row.url.trim()).filter(Boolean).join("\n"))
        .filter(Boolean)
        .join("\n\n");
    },
    // Writes the tiers into the posted textarea; a change event lets the live parts look again.
    sync(announcement = "") {
      this.$refs.text.value = this.text();
      this.$refs.text.dispatchEvent(new Event("change", { bubbles: true }));
      if (announcement) this.announcement = announcement;
    },
    readChecks() {
      const items = document.querySelectorAll("#link-checks [data-tracker-check]");
      this.verdicts = [...items].map((item) => ({
        url: item.dataset.url,
        level: item.dataset.level,
        message: item.dataset.message,
      }));
    },
    // The server's verdict on a URL, while it still describes what the field holds.
    verdict(row) {
      const url = row.url.trim();
      if (!url) return null;
      const filled = this.tiers.flatMap((tier) => tier.urls).filter((r) => r.url.trim());
      const verdict = this.verdicts[filled.indexOf(row)];
      return verdict && verdict.url === url ? verdict : null;
    },

    focus(id) {
      this.$nextTick(() => {
        const element = document.getElementById(id);
        if (element) element.focus();
      });
    },
    addUrl(t, i) {
      const row = newRow();
      this.tiers[t].urls.splice(i, 0, row);
      this.focus(`tracker-url-${row.id}`);
    },
    removeUrl(t, i) {
      const [row] = this.tiers[t].urls.splice(i, 1);
      this.sync(`Removed ${row.url.trim() || "an empty URL"} from tier ${t + 1}.`);
      const next = this.tiers[t].urls[Math.min(i, this.tiers[t].urls.length - 1)];
      if (next) this.focus(`tracker-url-${next.id}`);
    },
    addTier() {
      const tier = newTier([""]);
      this.tiers.push(tier);
      this.focus(`tracker-url-${tier.urls[0].id}`);
    },
    removeTier(t) {
      this.tiers.splice(t, 1);
      if (!this.tiers.length) this.tiers = [newTier([""])];
      this.sync(`Removed tier ${t + 1}.`);
    },

    // Moves a URL; `to.i` is its index in the destination once it has left its place.
    move(from, to, focusId) {
      const [row] = this.tiers[from.t].urls.splice(from.i, 1);
      this.tiers[to.t].urls.splice(to.i, 0, row);
      this.sync(`Moved ${row.url.trim() || "the URL"} to tier ${to.t + 1}, position ${to.i + 1}.`);
      if (focusId) this.focus(focusId.replace("{id}", row.id));
    },
    // Up from a tier's first URL goes to the end of the tier above (a new first tier when
    // there is none): the keyboard's way to move URLs between tiers.
    moveUp(t, i) {
      if (i > 0) return this.move({ t, i }, { t, i: i - 1 }, "tracker-up-{id}");
      if (t === 0) {
        this.tiers.unshift(newTier());
        t += 1;
      }
      this.move({ t, i }, { t: t - 1, i: this.tiers[t - 1].urls.length }, "tracker-up-{id}");
    },
    moveDown(t, i) {
      if (i < this.tiers[t].urls.length - 1) {
        return this.move({ t, i }, { t, i: i + 1 }, "tracker-down-{id}");
      }
      if (t === this.tiers.length - 1) this.tiers.push(newTier());
      this.move({ t, i }, { t: t + 1, i: 0 }, "tracker-down-{id}");
    },

    dragStart(t, i, event) {
      this.dragging = { t, i };
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", this.tiers[t].urls[i].url);
      const row = event.target.closest(".tier-url");
      if (row) event.dataTransfer.setDragImage(row, 12, 12);
    },
    dragOver(t, i, event) {
      if (!this.dragging) return;
      event.preventDefault(); // allows the drop
      event.dataTransfer.dropEffect = "move";
      this.dropAt = { t, i };
    },
    // Dropped on URL i of tier t (before it), or on the tier (i = its length: at its end).
    drop(t, i) {
      const from = this.dragging;
      this.dragEnd();
      if (!from) return;
      const index = from.t === t && from.i < i ? i - 1 : i;
      if (from.t === t && from.i === index) return;
      this.move(from, { t, i: index });
    },
    dragEnd() {
      this.dragging = null;
      this.dropAt = null;
    },

    // Several lines pasted into a URL become several URLs; a blank line starts a new tier.
    paste(t, i, event) {
      const text = (event.clipboardData || window.clipboardData).getData("text");
      if (!/[\r\n]/.test(text.trim())) return; // one URL: the browser pastes it
      event.preventDefault();
      const groups = parseTiers(text);
      const tier = this.tiers[t];
      const empty = !tier.urls[i].url.trim();
      tier.urls.splice(empty ? i : i + 1, empty ? 1 : 0, ...groups[0].map(newRow));
      this.tiers.splice(t + 1, 0, ...groups.slice(1).map(newTier));
      const count = groups.flat().length;
      this.sync(`Pasted ${count} URLs into ${groups.length} tier${groups.length > 1 ? "s" : ""}.`);
    },

    toggleText() {
      if (this.textMode) {
        this.load(this.$refs.text.value);
        this.textMode = false;
        this.focus(`tracker-url-${this.tiers[0].urls[0]?.id}`);
      } else {
        this.$refs.text.value = this.text();
        this.textMode = true;
        this.$nextTick(() => this.$refs.text.focus());
      }
    },
  }));
});

// A refused submission answers 422 with the page again, each message beside its field: show it
// (htmx leaves 4xx answers out by default). Focus goes to the list of problems (autofocus).
document.addEventListener("htmx:beforeSwap", (event) => {
  const form = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (event.detail.xhr.status === 422 && form && form.id === "create-form") {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
