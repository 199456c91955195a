// next/image for sites written for Next.js: the <img> Next.js renders for an
// unoptimised image (`unoptimized`: ssrd has no image optimiser), with the
// same attributes, so that layouts written for it look the same.
import React from "react";

const drop = ["priority", "quality", "placeholder", "blurDataURL", "unoptimized", "loader", "fill", "sizes", "overrideSrc", "onLoadingComplete", "lazyBoundary", "lazyRoot"];

const Image = React.forwardRef(function Image(props, ref) {
  const { src, alt, width, height, fill, priority, loading, style, decoding } = props;
  const rest = {};
  for (const k of Object.keys(props)) if (!drop.includes(k) && !["src", "alt", "width", "height", "loading", "style", "decoding"].includes(k)) rest[k] = props[k];
  const s = typeof src === "object" && src !== null ? src : { src };
  const own = fill ? { position: "absolute", height: "100%", width: "100%", left: 0, top: 0, right: 0, bottom: 0 } : {};
  return React.createElement("img", {
    alt,
    ...(priority ? { fetchPriority: "high" } : { loading: loading || "lazy" }),
    width: fill ? undefined : width !== undefined ? width : s.width,
    height: fill ? undefined : height !== undefined ? height : s.height,
    decoding: decoding || "async",
    "data-nimg": fill ? "fill" : "1",
    ...rest,
    ref,
    style: { ...own, color: "transparent", ...style },
    src: s.src,
  });
});
export default Image;
export const getImageProps = (props) => ({ props: { ...props, src: typeof props.src === "object" ? props.src.src : props.src } });
