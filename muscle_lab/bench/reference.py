"""osim-rl's own stepping, replicated for OpenSim 4.6 as the benchmark's reference.

osim-rl 3.0.11 cannot be imported on 4.6 (its `prescribeControlForActuator(int, ...)` throws),
so this follows `osim.env.osim.OsimModel` line by line but for that call: a Constant control
per muscle, one Manager at accuracy 5e-5 with its default Runge-Kutta-Merson, `actuate` then
`integrate` to the next 0.01 s, and the full `compute_state_desc` (realizing accelerations)
after every step, as `ProstheticsEnv.step` does.
"""

from __future__ import annotations

import numpy as np
import opensim

STEP_SECONDS = 0.01


class OsimRlReference:
    def __init__(self, model_path: str, integrator_accuracy: float = 5e-5) -> None:
        self.integrator_accuracy = integrator_accuracy
        self.model = opensim.Model(model_path)
        self.model.initSystem()
        self.brain = opensim.PrescribedController()
        self.muscleSet = self.model.getMuscles()
        self.forceSet = self.model.getForceSet()
        self.bodySet = self.model.getBodySet()
        self.jointSet = self.model.getJointSet()
        self.markerSet = self.model.getMarkerSet()
        for j in range(self.muscleSet.getSize()):
            self.brain.addActuator(self.muscleSet.get(j))
            self.brain.prescribeControlForActuator(self.muscleSet.get(j).getName(), opensim.Constant(1.0))
        self.model.addController(self.brain)
        self.model.initSystem()

    def reset(self) -> None:
        self.state = self.model.initializeState()
        self.model.equilibrateMuscles(self.state)
        self.state.setTime(0)
        self.istep = 0
        self.manager = opensim.Manager(self.model)
        self.manager.setIntegratorAccuracy(self.integrator_accuracy)
        self.manager.initialize(self.state)

    def actuate(self, action: np.ndarray) -> None:
        action = np.clip(np.array(action), 0.0, 1.0)
        brain = opensim.PrescribedController.safeDownCast(self.model.getControllerSet().get(0))
        function_set = brain.get_ControlFunctions()
        for j in range(function_set.getSize()):
            opensim.Constant.safeDownCast(function_set.get(j)).setValue(float(action[j]))

    def integrate(self) -> None:
        self.istep += 1
        self.state = self.manager.integrate(STEP_SECONDS * self.istep)

    def step(self, action: np.ndarray) -> dict:
        self.actuate(action)
        self.integrate()
        return self.compute_state_desc()

    def compute_state_desc(self) -> dict:  # as osim-rl, less nothing
        state = self.state
        self.model.realizeAcceleration(state)
        res: dict = {"joint_pos": {}, "joint_vel": {}, "joint_acc": {}}
        for i in range(self.jointSet.getSize()):
            joint = self.jointSet.get(i)
            name = joint.getName()
            coords = [joint.get_coordinates(k) for k in range(joint.numCoordinates())]
            res["joint_pos"][name] = [c.getValue(state) for c in coords]
            res["joint_vel"][name] = [c.getSpeedValue(state) for c in coords]
            res["joint_acc"][name] = [c.getAccelerationValue(state) for c in coords]
        for key in ("body_pos", "body_vel", "body_acc", "body_pos_rot", "body_vel_rot", "body_acc_rot"):
            res[key] = {}
        for i in range(self.bodySet.getSize()):
            body = self.bodySet.get(i)
            name = body.getName()
            res["body_pos"][name] = [body.getTransformInGround(state).p()[k] for k in range(3)]
            res["body_vel"][name] = [body.getVelocityInGround(state).get(1).get(k) for k in range(3)]
            res["body_acc"][name] = [body.getAccelerationInGround(state).get(1).get(k) for k in range(3)]
            res["body_pos_rot"][name] = [
                body.getTransformInGround(state).R().convertRotationToBodyFixedXYZ().get(k) for k in range(3)
            ]
            res["body_vel_rot"][name] = [body.getVelocityInGround(state).get(0).get(k) for k in range(3)]
            res["body_acc_rot"][name] = [body.getAccelerationInGround(state).get(0).get(k) for k in range(3)]
        res["forces"] = {}
        for i in range(self.forceSet.getSize()):
            force = self.forceSet.get(i)
            values = force.getRecordValues(state)
            res["forces"][force.getName()] = [values.get(k) for k in range(values.size())]
        res["muscles"] = {}
        for i in range(self.muscleSet.getSize()):
            muscle = self.muscleSet.get(i)
            res["muscles"][muscle.getName()] = {
                "activation": muscle.getActivation(state),
                "fiber_length": muscle.getFiberLength(state),
                "fiber_velocity": muscle.getFiberVelocity(state),
                "fiber_force": muscle.getFiberForce(state),
            }
        res["markers"] = {}
        for i in range(self.markerSet.getSize()):
            marker = self.markerSet.get(i)
            res["markers"][marker.getName()] = {
                "pos": [marker.getLocationInGround(state)[k] for k in range(3)],
                "vel": [marker.getVelocityInGround(state)[k] for k in range(3)],
                "acc": [marker.getAccelerationInGround(state)[k] for k in range(3)],
            }
        res["misc"] = {
            "mass_center_pos": [self.model.calcMassCenterPosition(state)[k] for k in range(3)],
            "mass_center_vel": [self.model.calcMassCenterVelocity(state)[k] for k in range(3)],
            "mass_center_acc": [self.model.calcMassCenterAcceleration(state)[k] for k in range(3)],
        }
        return res


def coordinate_locator(reference: OsimRlReference) -> dict[str, tuple[str, int]]:
    """Where each coordinate sits in `joint_pos`: name -> (joint name, index in the joint)."""
    joints = reference.jointSet
    return {
        joints.get(i).get_coordinates(k).getName(): (joints.get(i).getName(), k)
        for i in range(joints.getSize())
        for k in range(joints.get(i).numCoordinates())
    }
