declare module 'snappyjs' {
  const SnappyJS: {
    compress<T extends ArrayBuffer | Uint8Array | Buffer>(input: T): T;
    uncompress<T extends ArrayBuffer | Uint8Array | Buffer>(input: T, maxLength?: number): T;
  };
  export default SnappyJS;
}
