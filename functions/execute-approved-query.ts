// TEMPORARY (issue 6): replaced once the approval use cases land.
export const handler = async (): Promise<never> => { throw new Error('execute-approved-query: not wired yet'); };
