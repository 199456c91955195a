import ReactMarkdown from "react-markdown";
import remarkGfm from "remark-gfm";

// Links leaving the site open in a new tab; code blocks carry their language.
const components = {
  a({ href, children, node, ...rest }) {
    const external = /^https?:\/\//.test(href || "");
    return (
      <a href={href} {...rest} {...(external ? { target: "_blank", rel: "noopener noreferrer" } : {})}>
        {children}
      </a>
    );
  },
  code({ className, children, node, ...rest }) {
    const lang = /language-(\w+)/.exec(className || "");
    return (
      <code className={className} data-lang={lang ? lang[1] : undefined} {...rest}>
        {children}
      </code>
    );
  },
  table({ children, node }) {
    return (
      <div className="table-scroll">
        <table>{children}</table>
      </div>
    );
  },
};

export default function Markdown({ children }) {
  return (
    <div className="prose">
      <ReactMarkdown remarkPlugins={[remarkGfm]} components={components}>
        {children}
      </ReactMarkdown>
    </div>
  );
}
