// The whole public API of Yjs (and nothing else), exposed by the IIFE bundle as window.Y.
export * from 'yjs'
