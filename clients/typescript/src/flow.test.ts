/** Runs the flow against the server named by the environment (the test suite's live server). */
import { test } from "node:test";

import { runFlow } from "./flow.js";

function required(name: string): string {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: run this through tests/clients (pytest)`);
    return value;
}

test("the generated TypeScript client runs the whole flow against the live server", async () => {
    await runFlow({
        baseUrl: required("STRETCHAPI_URL"),
        trainerEmail: required("STRETCHAPI_TRAINER_EMAIL"),
        trainerPassword: required("STRETCHAPI_TRAINER_PASSWORD"),
        invitationCode: required("STRETCHAPI_INVITATION_CODE"),
        consentedClientEmail: required("STRETCHAPI_CONSENTED_CLIENT_EMAIL"),
    });
});
