// Tailwind configuration for Portico's server-rendered pages. The CSS build
// (scripts/build-assets.sh) scans the templ views and the Go handlers for
// class names; static/css/input.css loads this file with @config.
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
  theme: {
    extend: {},
  },
};
