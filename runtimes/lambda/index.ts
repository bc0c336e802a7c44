/** The Lambda launcher (Invoke through the AWS client) and the entry point of a task function. */
export { lambdaLauncher, MAX_LAMBDA_PAYLOAD_BYTES } from './lambda-launcher.ts';
export type { LambdaLauncherOptions } from './lambda-launcher.ts';
export { functionEnding } from './function-ending.ts';
export { lambdaTaskHandler } from './lambda-task-handler.ts';
export type { LambdaContext } from './lambda-task-handler.ts';
