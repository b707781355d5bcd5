import { describe, expect, it } from 'vitest';
import { People } from './people';
import * as S from './state';
import type { Profile } from './types';

const carol: Profile = { id: 3, username: 'carol', display_name: 'Carol Diaz', status_text: '', discoverable: true, created_at: '2026-11-25T09:00:00Z' };

describe('People.resolve', () => {
  it('asks for an id once, and a second caller waits for that answer', async () => {
    let state = S.emptyState;
    const asked: string[] = [];
    let answer: (() => void) | null = null;
    const people = new People({
      rest: {
        get: async <T,>(path: string) => {
          asked.push(path);
          await new Promise<void>((resolve) => (answer = resolve));
          return { users: [carol] } as T;
        },
      },
      state: () => state,
      set: (next) => (state = next),
    });
    const first = people.resolve([3]);
    let secondDone = false;
    const second = people.resolve([3]).then(() => (secondDone = true));
    await Promise.resolve();
    expect(secondDone).toBe(false);
    answer!();
    await Promise.all([first, second]);
    expect(asked).toEqual(['/users?ids=3']);
    // Once resolved, the name is there for both callers.
    expect(state.users[3]?.display_name).toBe('Carol Diaz');
  });
});
