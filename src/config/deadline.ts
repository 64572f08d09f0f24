// Collection deadlines: how long one collection of a source may take before it is cut short and recorded as `error`.
import { minSlotIntervalMs } from '../pipeline/slots.js';

/**
 * Bounds of `sources.<id>.deadlineSeconds`. Below a second nothing completes; above a day a hung collection would hold
 * its worker for a day. The schedule gives the tighter ceiling: never longer than the source's shortest slot interval.
 */
export const DEADLINE_BOUNDS_S = { min: 1, max: 86_400 } as const;

/** The shortest interval between two consecutive slots of `schedule`, in whole seconds (at least 1). */
export function scheduleIntervalSeconds(schedule: string): number {
  return Math.max(1, Math.floor(minSlotIntervalMs(schedule) / 1000));
}

/**
 * The deadline in force for a source: `deadlineSeconds` when configured, else its schedule's shortest slot interval
 * (so a hung collection never holds the next slot), capped by DEADLINE_BOUNDS_S.max.
 */
export function sourceDeadlineMs(schedule: string, deadlineSeconds?: number): number {
  const s = deadlineSeconds ?? Math.min(scheduleIntervalSeconds(schedule), DEADLINE_BOUNDS_S.max);
  return s * 1000;
}

/** Why a configured deadline is refused for this schedule, or undefined when it is accepted. */
export function deadlineProblem(schedule: string, deadlineSeconds: number): string | undefined {
  const interval = scheduleIntervalSeconds(schedule);
  if (deadlineSeconds > interval) {
    return `deadline of ${deadlineSeconds} s is longer than the schedule's shortest slot interval (${interval} s for "${schedule}"): a hung collection would hold the next slot; expected ${DEADLINE_BOUNDS_S.min}–${Math.min(interval, DEADLINE_BOUNDS_S.max)} s`;
  }
  return undefined;
}
