/** Forward/inverse kinematics and straight-line Cartesian paths for a RobotModel's arm. */
export { KinematicChain } from './chain.js';
export { IkSolver, jointDistance, type IkGoal, type IkResult, type IkSolveOptions, type IkSolverOptions } from './ik.js';
export { cartesianPath, type CartesianGoal, type CartesianPathOptions, type CartesianPathResult } from './cartesian.js';
