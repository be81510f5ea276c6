/**
 * RobotBackend contract tests (test/fakes/backend-contract.ts) for the shared FakeBackend and
 * for the SafetyGuard wrapped around it: the guard must be a drop-in RobotBackend.
 */
import { loadRobotModel } from '../../../model/description/robot-model.js';
import { SafetyGuard } from '../../../robot-bridge/safety/index.js';
import { FakeBackend } from '../../fakes/fake-backend.js';
import { backendContract } from '../../fakes/backend-contract.js';

for (const name of ['panda', 'ur5e']) {
  const model = loadRobotModel(name);
  backendContract(`FakeBackend (${name})`, () => ({ backend: FakeBackend.forModel(model) }));
  backendContract(`FakeBackend (${name}, starting disconnected)`, () => ({
    backend: FakeBackend.forModel(model, { presence: 'not_connected' }),
  }));
  backendContract(`SafetyGuard over FakeBackend (${name})`, () => ({ backend: new SafetyGuard(FakeBackend.forModel(model), model) }));
}
