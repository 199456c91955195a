// next/font/google for sites written for Next.js: every font function
// (Geist, Inter, Roboto, ...) returns what Next's does, a className, a style
// with the font family and, when asked, a CSS variable's class, with the
// system's fonts behind it. ssrd downloads no fonts (it reaches no font
// service): to use the real font, put its files in the site and declare it
// with @font-face (or next/font/local) in a stylesheet.
const slug = (name) => name.toLowerCase().replace(/[^a-z0-9]+/g, "_");

export function font(name, options = {}) {
  const family = name.replace(/_/g, " ");
  const fallback = (options.fallback || ["system-ui", "sans-serif"]).join(", ");
  const f = {
    className: `__font_${slug(name)}`,
    style: { fontFamily: `'${family}', ${fallback}` },
  };
  if (options.variable) f.variable = `__variable_${slug(name)}`;
  return f;
}

// Any named export: the font of that name. Written out for the common ones;
// a Proxy cannot stand in for an ES module's exports.
const names = ["Geist", "Geist_Mono", "Inter", "Roboto", "Roboto_Mono", "Open_Sans", "Lato", "Montserrat",
  "Poppins", "Source_Sans_3", "Noto_Sans", "Nunito", "Raleway", "Work_Sans", "IBM_Plex_Sans", "IBM_Plex_Mono",
  "JetBrains_Mono", "Fira_Code", "DM_Sans", "Manrope", "Playfair_Display", "Merriweather", "Space_Grotesk"];
const fonts = {};
for (const n of names) fonts[n] = (options) => font(n, options);
export const { Geist, Geist_Mono, Inter, Roboto, Roboto_Mono, Open_Sans, Lato, Montserrat, Poppins, Source_Sans_3,
  Noto_Sans, Nunito, Raleway, Work_Sans, IBM_Plex_Sans, IBM_Plex_Mono, JetBrains_Mono, Fira_Code, DM_Sans,
  Manrope, Playfair_Display, Merriweather, Space_Grotesk } = fonts;
