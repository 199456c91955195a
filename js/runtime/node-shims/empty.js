// A Node module React's "bun" server build imports for nothing (crypto).
export default {};
