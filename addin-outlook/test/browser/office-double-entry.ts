// The Office host DOUBLE served to the panes in place of office.js (test/pane-browser.ts):
// built from the options the test put in the page before it loaded.
import { createOfficeDouble, type DoubleOptions } from "../office-double.js";

const scope = globalThis as unknown as {
  __officeDoubleOptions: DoubleOptions;
  Office: unknown;
  __officeDouble: unknown;
};
const double = createOfficeDouble(scope.__officeDoubleOptions);
scope.Office = double.Office;
scope.__officeDouble = double;
