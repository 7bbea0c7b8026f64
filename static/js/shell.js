// The page header: its menus (plain <details>, which work without this file) and the theme.
"use strict";

const openMenus = () => document.querySelectorAll(".topbar details[open]");

// Escape closes the header's menus and gives focus back to the button that opened the
// innermost one; a click elsewhere on the page closes them too.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const menus = [...openMenus()].filter((menu) => menu.querySelector(":scope > summary").offsetParent);
  if (!menus.length) return;
  for (const menu of menus) menu.open = false;
  menus.at(-1).querySelector(":scope > summary").focus();
});
document.addEventListener("click", (event) => {
  for (const menu of openMenus()) {
    if (!menu.contains(event.target)) menu.open = false;
  }
});

// The theme form's response names the theme chosen (HX-Trigger): draw it now, as the server
// will on every page from now on.
document.addEventListener("theme-changed", (event) => {
  document.documentElement.dataset.theme = event.detail.theme;
});
