export default function Card({ title, image, children }) {
  return (
    <section className="card">
      {image ? <img src={image} alt="" /> : null}
      <h2>{title}</h2>
      {children}
    </section>
  );
}
