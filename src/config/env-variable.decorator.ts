/** One declared environment variable: its name (the property of `Env`) and what it is for. */
export interface DeclaredVariable {
  name: string;
  description: string;
  /** A secret: it may also be read from the file named by `<name>_FILE` (load-env.ts). */
  secret: boolean;
}

export interface EnvVariableOptions {
  /** Holds a secret (a key, or a URL with a password inside): `<NAME>_FILE` may supply it. */
  secret?: boolean;
}

const declared = new WeakMap<object, DeclaredVariable[]>();

/**
 * Marks a property of `Env` as an environment variable and says in one line what it is for. The
 * property's type, default and validation decorators sit next to it: the declaration is the only
 * list of variables (load-env reads exactly these, and the docs are checked against them).
 */
export function EnvVariable(
  description: string,
  options: EnvVariableOptions = {},
): PropertyDecorator {
  return (prototype, property) => {
    const list = declared.get(prototype.constructor) ?? [];
    list.push({ name: String(property), description, secret: options.secret ?? false });
    declared.set(prototype.constructor, list);
  };
}

/** The variables declared on `type`, in declaration order. */
export function declaredVariables(type: abstract new () => object): readonly DeclaredVariable[] {
  return declared.get(type) ?? [];
}
