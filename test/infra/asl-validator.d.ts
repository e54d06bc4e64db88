// asl-validator 4 ships no types; the part used here.
declare module 'asl-validator' {
  export default function validator(definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }): { isValid: boolean; errors: unknown[] };
}
