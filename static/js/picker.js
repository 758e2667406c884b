// The path picker: arrow keys move between entries; choosing a path tells the page.
document.addEventListener("alpine:init", () => {
  Alpine.data("picker", () => ({
    move(step) {
      const items = [...this.$root.querySelectorAll("[data-entry]")];
      if (!items.length) return;
      const index = items.indexOf(document.activeElement);
      items[(index + step + items.length) % items.length].focus();
    },
    choose(path, instance) {
      this.$dispatch("path-chosen", { path, instance });
    },
  }));
});
// After moving to another folder, keyboard users land on its first entry.
document.addEventListener("htmx:afterSettle", (event) => {
  const picker = document.getElementById("picker");
  if (picker && event.detail.elt && event.detail.elt.id === "picker") {
    const first = picker.querySelector("[data-entry]") || picker.querySelector("button");
    if (first) first.focus();
  }
});
