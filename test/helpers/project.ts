// The repository's own jobs.yaml, flows/ and payload schemas, copied to a temp folder, for tests of
// journeys that are about them (deploys write into the copy, never into the repository).
// One helper does this: repo-fixture.ts; this name is kept for the tests that use it.
export { repoFixture as projectFixture } from "./repo-fixture";
