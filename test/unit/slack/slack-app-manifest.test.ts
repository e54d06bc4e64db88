import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { API_ROUTES } from '#shared/http/router.js';

const manifest = parse(readFileSync('slack/app-manifest.yaml', 'utf8')) as {
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean; request_url: string }; socket_mode_enabled: boolean };
};

describe('slack/app-manifest.yaml', () => {
  it('asks for exactly the scopes the Slack adapters call (chat.*, files.uploadV2, users.info, usergroups.users.list)', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(['chat:write', 'files:write', 'usergroups:read', 'users:read', 'users:read.email']);
  });

  it('sends interactions to the route that verifies them', () => {
    const { interactivity } = manifest.settings;
    expect(interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    const path = new URL(interactivity.request_url).pathname;
    expect(API_ROUTES.some((r) => r.method === 'POST' && r.path === path)).toBe(true);
  });
});
