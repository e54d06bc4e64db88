"""moto's server for the AWS-emulated tier (npm run test:aws), with one fix moto 5.2.1 lacks.

moto issue 10077 (fixed upstream by PR 10093, not in 5.2.1): StartExecution deep-copies the
state machine, executions included, and the second execution of one machine fails with
`cannot pickle '_thread.RLock'`. The copy only needs the definition, so it skips `executions`.
Everything else is moto as installed: `python3 test/aws/moto_server.py -H 127.0.0.1 -p PORT`.
"""
import copy
import sys

from moto.stepfunctions.models import StateMachine


def _deepcopy_without_executions(self, memo):
    clone = self.__class__.__new__(self.__class__)
    memo[id(self)] = clone
    for key, value in self.__dict__.items():
        setattr(clone, key, [] if key == "executions" else copy.deepcopy(value, memo))
    return clone


StateMachine.__deepcopy__ = _deepcopy_without_executions

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
