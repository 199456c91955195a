export const posts = [
  { slug: "css-in-js", title: "CSS-in-JS on the server", summary: "Styles collected as the page renders.", tags: ["breaking", "css"] },
  { slug: "themes", title: "Themes from the layout", summary: "One ThemeProvider, every page.", tags: ["react"] },
];
