export { deploy, makePlan, DeployPrerequisiteError, type DeployArgs } from './deploy';
export type { Plan, Step } from './plan';
export { parseDeployArgs } from './args';
export { main } from './main';
