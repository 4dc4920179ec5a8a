/** The request and answer shapes of the generated schema, under the names the flows use. */
import type { components } from "../generated/schema.js";

type Schemas = components["schemas"];
export type SessionUpload = Schemas["SessionUploadRequest"];
export type StretchSession = Schemas["StretchSession"];
