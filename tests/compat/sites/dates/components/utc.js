// A Date whose local fields are its UTC fields (what @date-fns/utc's UTCDate does), for
// formatISO to print a fixed offset.
export class UTCDate extends Date {
  getTimezoneOffset() {
    return 0;
  }
}
