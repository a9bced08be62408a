import { SessionCheckBatcher } from './session-check.batcher';

/** A load that answers each key with its upper-case form, except keys starting with "gone". */
function recordingLoad(): jest.Mock<Promise<Map<string, string>>, [string[]]> {
  return jest.fn((keys: string[]) =>
    Promise.resolve(
      new Map(keys.filter((key) => !key.startsWith('gone')).map((key) => [key, key.toUpperCase()])),
    ),
  );
}

describe('SessionCheckBatcher', () => {
  it('answers the checks of one turn with one read of their distinct keys', async () => {
    const load = recordingLoad();
    const batcher = new SessionCheckBatcher(load);
    const answers = await Promise.all([
      batcher.check('s-1'),
      batcher.check('s-2'),
      batcher.check('s-1'),
      batcher.check('gone-3'),
    ]);
    expect(answers).toEqual(['S-1', 'S-2', 'S-1', undefined]);
    expect(load).toHaveBeenCalledTimes(1);
    expect(load).toHaveBeenCalledWith(['s-1', 's-2', 'gone-3']);
  });

  it('reads again for checks that arrive after a read was issued: a revocation counts at once', async () => {
    const load = recordingLoad();
    const batcher = new SessionCheckBatcher(load);
    await batcher.check('s-1');
    await batcher.check('s-1');
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('splits a large turn into reads of at most maxBatch checks, each answered from its own read', async () => {
    const load = recordingLoad();
    const batcher = new SessionCheckBatcher(load, 2);
    const answers = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((key) => batcher.check(key)));
    expect(answers).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(load.mock.calls).toEqual([[['a', 'b']], [['c', 'd']], [['e']]]);
  });

  it('issues no empty read when the checks fill whole batches', async () => {
    const load = recordingLoad();
    const batcher = new SessionCheckBatcher(load, 2);
    await Promise.all(['a', 'b', 'c', 'd'].map((key) => batcher.check(key)));
    expect(load.mock.calls).toEqual([[['a', 'b']], [['c', 'd']]]);
  });

  it('rejects every check of a read that failed, and only those', async () => {
    const load = recordingLoad().mockRejectedValueOnce(new Error('database down'));
    const batcher = new SessionCheckBatcher(load, 2);
    const answers = await Promise.allSettled(['a', 'b', 'c'].map((key) => batcher.check(key)));
    expect(answers).toEqual([
      { status: 'rejected', reason: new Error('database down') },
      { status: 'rejected', reason: new Error('database down') },
      { status: 'fulfilled', value: 'C' },
    ]);
  });
});
