import { FormattedMessage, FormattedRelativeTime, FormattedDate, FormattedTime } from "react-intl";

// A fixed moment, so the page is the same every day.
const UPDATED = Date.UTC(2024, 2, 10, 14, 30, 0);

export default function Footer() {
  return (
    <footer>
      <FormattedMessage
        id="footer.updated"
        values={{
          when: (
            <>
              <FormattedDate value={UPDATED} year="numeric" month="short" day="2-digit" />{" "}
              <FormattedTime value={UPDATED} />
            </>
          ),
        }}
      />{" "}
      (<FormattedRelativeTime value={-3} unit="day" numeric="auto" />)
    </footer>
  );
}
