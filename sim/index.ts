/** The MuJoCo simulation: scenes, MJCF generation, the physics world and its clock. */
export {
  BUILTIN_SCENES,
  SceneError,
  containerHalfExtents,
  knownEntities,
  loadScene,
  mulberry32,
  objectHalfExtents,
  parseScene,
  placeObjects,
  resolveScenePath,
  sceneRobot,
  sceneRobotPath,
  sceneSchema,
  validateScene,
  type PlacedObject,
  type Scene,
  type SceneContainer,
  type SceneData,
  type SceneObject,
} from './scene.js';
export { MjcfError, buildMjcf, type GripperInfo, type MjcfModel, type MjcfOptions, type ServoGains } from './mjcf.js';
export {
  GRIPPER_GOAL_TOLERANCE,
  SimWorld,
  type GripperOptions,
  type GripperState,
  type ObjectState,
  type SimWorldOptions,
} from './world.js';
export { SimLoop, type Pace, type SimLoopOptions } from './loop.js';
export { TrajectorySampler, type SamplePoint } from './trajectory.js';
export { mujoco } from './mujoco.js';
