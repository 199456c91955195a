import { FormattedMessage, useIntl, FormattedDisplayName } from "react-intl";
import { locales } from "./i18n.js";

export default function LocaleNav() {
  const intl = useIntl();
  return (
    <nav aria-label={intl.formatMessage({ id: "nav.home" })}>
      <a href={`/${intl.locale.slice(0, 2)}`}>
        <FormattedMessage id="nav.home" />
      </a>
      <ul>
        {Object.keys(locales).map((lang) => (
          <li key={lang}>
            <a href={`/${lang}`} lang={lang}>
              <FormattedDisplayName type="language" value={lang} />
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
