import { describe, expect, it } from 'vitest';
import { objectDirectories } from '../../../src/git/git-dir.js';

describe('objectDirectories', () => {
  it('lists the push quarantine first, then its alternates and the repository, each once', () => {
    expect(
      objectDirectories({
        GIT_DIR: '/home/repos/blog.git',
        GIT_OBJECT_DIRECTORY: '/home/repos/blog.git/objects/incoming-x',
        GIT_ALTERNATE_OBJECT_DIRECTORIES: '/home/repos/blog.git/objects',
      }),
    ).toEqual(['/home/repos/blog.git/objects/incoming-x', '/home/repos/blog.git/objects']);
  });

  it('is the repository alone outside a push', () => {
    expect(objectDirectories({ GIT_DIR: '/home/repos/blog.git' })).toEqual(['/home/repos/blog.git/objects']);
  });
});
