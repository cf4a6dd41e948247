// rendered.js reads window.structuredClone; Node has structuredClone on globalThis.
globalThis.window = globalThis;
