// Tailwind configuration for Portico's server-rendered pages. The CSS build
// (scripts/build-assets.sh) scans the templ views and the Go handlers for
// class names; static/css/input.css loads this file with @config.
const colors = require("tailwindcss/colors");

/** @type {import('tailwindcss').Config} */
module.exports = {
  content: [
    "./views/**/*.templ",
    "./views/**/*.go",
    "./web/**/*.go",
    "./static/js/**/*.js",
  ],
  // Follow the operating system's colour scheme: no toggle, no script.
  darkMode: "media",
  // Design tokens: every page takes its action colour and its neutrals
  // from these two scales, through the shared class lists in
  // views/styles.go (buttons, inputs, links, cards, focus rings).
  // Changing a token here restyles the whole portal.
  theme: {
    extend: {
      colors: {
        // Links, primary buttons, focus rings, the current navigation item.
        accent: colors.indigo,
        // Text, borders and surfaces of controls and cards.
        ink: colors.slate,
      },
    },
  },
};
