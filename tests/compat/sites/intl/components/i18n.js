import en from "./messages/en.json";
import de from "./messages/de.json";
import ja from "./messages/ja.json";

export const locales = { en: "en-US", de: "de-DE", ja: "ja-JP" };
const catalogs = { en, de, ja };

// The locale is the path's first segment (/de/products/3), as App Router sites route it.
export function localeOf(path) {
  const lang = path.split("/")[1];
  return lang in locales ? lang : "en";
}

export function messagesFor(lang) {
  return catalogs[lang] || en;
}
