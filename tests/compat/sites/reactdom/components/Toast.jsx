import { createPortal } from "react-dom";

// A portal needs a document: on the server it renders in place, as Node renders it.
export default function Toast({ children }) {
  const body = <div role="status" className="toast">{children}</div>;
  return typeof document !== "undefined" ? createPortal(body, document.body) : body;
}
