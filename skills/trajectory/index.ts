export { timeParameterize, TrajectoryError, type TimeParameterizeOptions } from './time-parameterize.js';
export { trajectorySummary, concatTrajectories, type TrajectorySummary } from './summary.js';
