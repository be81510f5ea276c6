// ESLint: typescript-eslint's type-checked recommended rules over every TypeScript file.
// `npm run lint` (part of `npm test`) runs it with the Prettier check and the layer rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'ui/dist/', 'test-artifacts/', 'bench/results/', '**/*.mjs', '**/*.cjs', 'launch/bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
